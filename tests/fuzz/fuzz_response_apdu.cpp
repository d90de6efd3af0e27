// ResponseApdu::parse on arbitrary bytes; encode must give the input back.
#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "hcbridge/apdu.hpp"
#include "hcbridge/error.hpp"

using hcbridge::apdu::ResponseApdu;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ResponseApdu parsed;
  try {
    parsed = ResponseApdu::parse(hcbridge::ByteView(data, size));
  } catch (const hcbridge::Error&) {
    return 0;
  }
  const hcbridge::Bytes encoded = parsed.encode();
  if (encoded.size() != size || !std::equal(encoded.begin(), encoded.end(), data)) {
    __builtin_trap();
  }
  const ResponseApdu reparsed = ResponseApdu::parse(encoded);
  if (reparsed.sw != parsed.sw || reparsed.data != parsed.data) __builtin_trap();
  if (hcbridge::apdu::statusWordName(parsed.sw).empty()) __builtin_trap();
  (void)parsed.isSuccess();
  return 0;
}
