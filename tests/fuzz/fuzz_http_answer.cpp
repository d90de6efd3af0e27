// parseHttpAnswer (hcbridge doctor) on arbitrary bytes: whatever holds the
// service's port answers the doctor's GET. Invariants: the body is the
// input's tail after the blank line, the status is three digits.
#include <cstddef>
#include <cstdint>
#include <string>

#include "loopback_http.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string response(reinterpret_cast<const char*>(data), size);
  const auto answer = hcbridge::cli::parseHttpAnswer(response);
  if (!answer) return 0;
  if (answer->status < 0 || answer->status > 999) __builtin_trap();
  if (answer->body.size() > size) __builtin_trap();
  if (response.compare(size - answer->body.size(), answer->body.size(), answer->body) != 0) {
    __builtin_trap();
  }
  if (answer->contentType.size() > size) __builtin_trap();
  return 0;
}
