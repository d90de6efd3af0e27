#include "nir.hpp"

#include <cstdint>

namespace hcbridge::drivers::nir {
namespace {

constexpr std::size_t kBodyLength = 13;
constexpr std::size_t kNirLength = 15;

bool isDigit(char c) {
  return c >= '0' && c <= '9';
}

}  // namespace

std::string normalize(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    if (c == ' ' || c == '.') continue;
    out += (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
  }
  return out;
}

std::optional<int> computeKey(std::string_view first13) {
  if (first13.size() != kBodyLength) return std::nullopt;
  std::uint64_t number = 0;
  for (std::size_t i = 0; i < kBodyLength; ++i) {
    char c = first13[i];
    // Corsica: département 2A counts as 19, 2B as 18 (positions 6-7, 1-based).
    if (i == 6 && first13[5] == '2' && (c == 'A' || c == 'B')) {
      number = number / 10 * 10 + 1;  // the '2' becomes '1'
      c = c == 'A' ? '9' : '8';
    }
    if (!isDigit(c)) return std::nullopt;
    number = number * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return static_cast<int>(97 - number % 97);
}

Check check(std::string_view text) {
  const std::string nir = normalize(text);
  if (nir.size() != kNirLength) return Check::InvalidLength;
  const std::optional<int> key = computeKey(std::string_view(nir).substr(0, kBodyLength));
  if (!key || !isDigit(nir[13]) || !isDigit(nir[14])) return Check::InvalidFormat;
  const int given = (nir[13] - '0') * 10 + (nir[14] - '0');
  return given == *key ? Check::Valid : Check::InvalidKey;
}

}  // namespace hcbridge::drivers::nir
