// CommandApdu::parse on arbitrary bytes; accepted input must survive
// encode -> parse unchanged, and the encoding must be canonical.
#include <cstddef>
#include <cstdint>

#include "hcbridge/apdu.hpp"
#include "hcbridge/error.hpp"

using hcbridge::apdu::CommandApdu;

namespace {
bool same(const CommandApdu& a, const CommandApdu& b) {
  return a.cla == b.cla && a.ins == b.ins && a.p1 == b.p1 && a.p2 == b.p2 && a.data == b.data &&
         a.ne == b.ne;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  CommandApdu parsed;
  try {
    parsed = CommandApdu::parse(hcbridge::ByteView(data, size));
  } catch (const hcbridge::Error&) {
    return 0;
  }
  const int isoCase = parsed.isoCase();
  if (isoCase < 1 || isoCase > 4) __builtin_trap();
  hcbridge::Bytes encoded;
  try {
    encoded = parsed.encode();
  } catch (const hcbridge::Error&) {
    __builtin_trap();  // whatever parses must encode
  }
  if (encoded.size() > size) __builtin_trap();  // never longer than the input
  const CommandApdu reparsed = CommandApdu::parse(encoded);
  if (!same(parsed, reparsed)) __builtin_trap();
  if (reparsed.encode() != encoded) __builtin_trap();
  return 0;
}
