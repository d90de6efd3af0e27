// Bytes that must not outlive their use (PINs): wiped on destruction and on
// move, never copied implicitly, never printed.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "hcbridge/bytes.hpp"

namespace hcbridge {

class SecretBytes {
 public:
  SecretBytes() = default;
  explicit SecretBytes(std::string_view text);
  explicit SecretBytes(ByteView bytes);
  ~SecretBytes();
  SecretBytes(SecretBytes&& other) noexcept;
  SecretBytes& operator=(SecretBytes&& other) noexcept;
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;

  ByteView view() const { return bytes_; }
  std::size_t size() const { return bytes_.size(); }
  bool empty() const { return bytes_.empty(); }
  void wipe() noexcept;

 private:
  Bytes bytes_;
};

// Overwrites a string that held a secret (a request body with a PIN) and empties it.
void wipeString(std::string& text) noexcept;

}  // namespace hcbridge
