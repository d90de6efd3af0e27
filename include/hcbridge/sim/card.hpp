// An ISO 7816-4 card engine driven by a Profile.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>

#include "hcbridge/bytes.hpp"
#include "hcbridge/sim/profile.hpp"

namespace hcbridge::sim {

class Card {
 public:
  // Throws Error(ProfileInvalid) when the MF is no DF or a key is not an
  // unencrypted RSA/EC private key in PEM.
  explicit Card(Profile profile);
  ~Card();
  Card(const Card&) = delete;
  Card& operator=(const Card&) = delete;

  const Bytes& atr() const;
  Protocol protocol() const;
  const std::string& name() const;

  // Power cycle: clears the security state and selects the MF. PIN counters
  // persist, as on a real card.
  void reset();

  // Answers one command APDU with a response APDU (data + SW). Never throws:
  // malformed input gets the status word a real card would give. Thread-safe.
  Bytes process(ByteView command);

  // Called after each processed command with the running count; tests use it
  // to pull the card at a chosen moment.
  void setCommandHook(std::function<void(std::size_t commandCount)> hook);

  int pinTriesLeft(std::uint8_t pinRef) const;  // -1 when no such PIN
  std::size_t commandCount() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
  mutable std::mutex mutex_;
};

}  // namespace hcbridge::sim
