// RFC 4648 base64 (standard, padded) and base64url (unpadded). Strict
// decoding: Web eID tokens and JWS have exactly one valid encoding per value,
// so anything else is refused rather than repaired.
#include <array>

#include "hcbridge/auth/crypto.hpp"

namespace hcbridge::auth {
namespace {

constexpr std::string_view kStandard =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view kUrl =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string encode(ByteView data, std::string_view alphabet, bool pad) {
  std::string text;
  text.reserve((data.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    const std::uint32_t bits =
        std::uint32_t{data[i]} << 16 | std::uint32_t{data[i + 1]} << 8 | std::uint32_t{data[i + 2]};
    for (int shift = 18; shift >= 0; shift -= 6) text.push_back(alphabet[(bits >> shift) & 0x3F]);
  }
  const std::size_t rest = data.size() - i;
  if (rest == 1) {
    const std::uint32_t bits = std::uint32_t{data[i]} << 16;
    text.push_back(alphabet[(bits >> 18) & 0x3F]);
    text.push_back(alphabet[(bits >> 12) & 0x3F]);
    if (pad) text += "==";
  } else if (rest == 2) {
    const std::uint32_t bits = std::uint32_t{data[i]} << 16 | std::uint32_t{data[i + 1]} << 8;
    text.push_back(alphabet[(bits >> 18) & 0x3F]);
    text.push_back(alphabet[(bits >> 12) & 0x3F]);
    text.push_back(alphabet[(bits >> 6) & 0x3F]);
    if (pad) text += "=";
  }
  return text;
}

constexpr std::array<std::int8_t, 256> reverse(std::string_view alphabet) {
  std::array<std::int8_t, 256> table{};
  for (auto& entry : table) entry = -1;
  for (std::size_t i = 0; i < alphabet.size(); ++i) {
    table[static_cast<unsigned char>(alphabet[i])] = static_cast<std::int8_t>(i);
  }
  return table;
}

constexpr auto kStandardReverse = reverse(kStandard);
constexpr auto kUrlReverse = reverse(kUrl);

// Decodes unpadded text (length % 4 != 1) whose unused trailing bits are zero.
std::optional<Bytes> decodeUnpadded(std::string_view text,
                                    const std::array<std::int8_t, 256>& table) {
  if (text.size() % 4 == 1) return std::nullopt;
  Bytes out;
  out.reserve(text.size() / 4 * 3 + 2);
  std::uint32_t bits = 0;
  int bitCount = 0;
  for (const char c : text) {
    const std::int8_t value = table[static_cast<unsigned char>(c)];
    if (value < 0) return std::nullopt;
    bits = (bits << 6) | static_cast<std::uint32_t>(value);
    bitCount += 6;
    if (bitCount >= 8) {
      bitCount -= 8;
      out.push_back(static_cast<std::uint8_t>((bits >> bitCount) & 0xFF));
    }
  }
  // 2 or 4 bits are left over after a partial group; they must be zero.
  if ((bits & ((1u << bitCount) - 1)) != 0) return std::nullopt;
  return out;
}

}  // namespace

std::string base64(ByteView data) {
  return encode(data, kStandard, true);
}

std::string base64Url(ByteView data) {
  return encode(data, kUrl, false);
}

std::optional<Bytes> fromBase64(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::size_t padding = 0;
  while (padding < 2 && padding < text.size() && text[text.size() - 1 - padding] == '=') {
    ++padding;
  }
  const std::string_view body = text.substr(0, text.size() - padding);
  // A third '=' or one inside the text is refused by the alphabet check.
  return decodeUnpadded(body, kStandardReverse);
}

std::optional<Bytes> fromBase64Url(std::string_view text) {
  return decodeUnpadded(text, kUrlReverse);
}

}  // namespace hcbridge::auth
