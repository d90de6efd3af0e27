// toHex / fromHex.
#include "hcbridge/bytes.hpp"

#include <string>

#include "hcbridge/error.hpp"

namespace hcbridge {
namespace {

constexpr char kDigits[] = "0123456789ABCDEF";

int nibble(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

bool isSeparator(char c) {
  return c == ' ' || c == ':' || c == '-' || c == '\t';
}

}  // namespace

std::string toHex(ByteView bytes, std::string_view separator) {
  std::string out;
  if (bytes.empty()) return out;
  out.reserve(bytes.size() * (2 + separator.size()));
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (i != 0) out.append(separator);
    out.push_back(kDigits[bytes[i] >> 4]);
    out.push_back(kDigits[bytes[i] & 0x0F]);
  }
  return out;
}

Bytes fromHex(std::string_view text) {
  Bytes out;
  out.reserve(text.size() / 2);
  std::size_t i = 0;
  while (i < text.size()) {
    if (isSeparator(text[i])) {
      ++i;
      continue;
    }
    const int high = nibble(text[i]);
    if (high < 0) {
      throw Error(Errc::BadRequest,
                  "invalid hex: unexpected character at position " + std::to_string(i),
                  "use hex digit pairs, optionally separated by spaces, ':' or '-'");
    }
    if (i + 1 >= text.size() || nibble(text[i + 1]) < 0) {
      throw Error(Errc::BadRequest,
                  "invalid hex: incomplete digit pair at position " + std::to_string(i),
                  "every byte needs two hex digits, e.g. 0A instead of A");
    }
    out.push_back(static_cast<std::uint8_t>((high << 4) | nibble(text[i + 1])));
    i += 2;
  }
  return out;
}

}  // namespace hcbridge
