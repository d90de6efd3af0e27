// What stands between a caller and a practitioner card's PIN counter: a
// wrong PIN makes the next attempt on that card wait (1 s, then 5 s, ...),
// and the last try is spent only when the caller who made the previous
// wrong attempt confirms it. A script admitted to the API could otherwise
// block the practitioner's card in milliseconds (the card then needs its PUK).
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "hcbridge/api/backend.hpp"
#include "hcbridge/card_driver.hpp"

namespace hcbridge::core {

class PinGuard {
 public:
  using Clock = std::chrono::steady_clock;

  // delays[n-1]: the wait after the n-th wrong PIN in a row; the last one
  // repeats. Empty: no wait.
  explicit PinGuard(std::vector<std::chrono::milliseconds> delays);

  // Before a PIN goes to the card `cardKey` (its serial hash), with the PIN
  // status just read from it. Throws pin-blocked, pin-attempt-too-soon (with
  // the seconds to wait) or pin-last-try; nothing is recorded.
  void admit(const std::string& cardKey, const api::SessionCaller& caller, const PinStatus& status,
             bool confirmLastTry, const std::string& pinBlockedHint,
             Clock::time_point now = Clock::now()) const;

  // After the card answered the VERIFY.
  void recordFailure(const std::string& cardKey, const api::SessionCaller& caller,
                     Clock::time_point now = Clock::now());
  void recordSuccess(const std::string& cardKey);

 private:
  struct CardRecord {
    int failures = 0;  // wrong PINs in a row seen by this service
    Clock::time_point notBefore;
    api::SessionCaller lastFailedBy;
  };

  std::vector<std::chrono::milliseconds> delays_;
  mutable std::mutex mutex_;
  std::map<std::string, CardRecord> cards_;
};

}  // namespace hcbridge::core
