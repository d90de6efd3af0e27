// verifyAuditLogContent on arbitrary bytes, without a key and with one (the
// keyed format's MAC check and its line shape): never throws, counts the
// lines as they are, and a broken verdict always names a line that exists
// and a reason.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "hcbridge/audit_log.hpp"

namespace {

void check(std::string_view content, const hcbridge::AuditVerifyOptions& options) {
  const hcbridge::AuditVerifyResult result = hcbridge::verifyAuditLogContent(content, options);

  std::size_t lines = 0;
  for (const char c : content) lines += c == '\n' ? 1 : 0;
  if (!content.empty() && content.back() != '\n') ++lines;  // a truncated last line
  if (result.lines != lines) __builtin_trap();
  if (result.unkeyedLines > lines) __builtin_trap();

  if (result.ok) {
    if (result.firstBrokenLine != 0 || !result.reason.empty()) __builtin_trap();
    if (!content.empty() && content.back() != '\n') __builtin_trap();
    if (result.keyNeeded) __builtin_trap();
  } else {
    if (result.firstBrokenLine == 0 || result.firstBrokenLine > lines) __builtin_trap();
    if (result.reason.empty()) __builtin_trap();
    if (result.keyNeeded && options.key != nullptr) __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const hcbridge::AuditKey key(hcbridge::SecretBytes(std::string(32, 'k')));
  const std::string_view content(reinterpret_cast<const char*>(data), size);
  check(content, {});
  check(content, {&key, {}});
  return 0;
}
