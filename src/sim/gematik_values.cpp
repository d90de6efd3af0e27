#include "gematik_values.hpp"

#include <algorithm>
#include <cctype>

#include "hcbridge/error.hpp"

namespace hcbridge::sim::gematik {
namespace {

constexpr std::string_view kHint =
    "The file must be a gematik card image (XML object system, as in gematik's "
    "ref-OpenHealthCardKit). See docs/cards-german.md.";

}  // namespace

[[noreturn]] void fail(const std::string& where, const std::string& what) {
  throw Error(Errc::ProfileInvalid, where + ": " + what, std::string(kHint));
}

int hexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<Bytes> hexBytes(std::string_view text) {
  Bytes bytes;
  bytes.reserve(text.size() / 2);
  int high = -1;
  for (const char c : text) {
    if (std::isspace(static_cast<unsigned char>(c))) continue;
    const int digit = hexDigit(c);
    if (digit < 0) return std::nullopt;
    if (high < 0) {
      high = digit;
    } else {
      bytes.push_back(static_cast<std::uint8_t>((high << 4) | digit));
      high = -1;
    }
  }
  if (high >= 0) return std::nullopt;
  return bytes;
}

std::string trimmed(std::string_view text) {
  const auto notSpace = [](char c) { return !std::isspace(static_cast<unsigned char>(c)); };
  const auto begin = std::find_if(text.begin(), text.end(), notSpace);
  const auto end = std::find_if(text.rbegin(), text.rend(), notSpace).base();
  return begin < end ? std::string(begin, end) : std::string();
}

bool equalsIgnoringCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

Bytes applicationIdentifier(const Attributes& attributes) {
  const auto value = attributes.text("applicationIdentifier");
  if (!value) return {};
  std::string text = trimmed(*value);
  if (text.size() >= 2 && text.front() == '{' && text.back() == '}') {
    text = text.substr(1, text.size() - 2);
  }
  auto aid = hexBytes(text);
  if (!aid || aid->empty() || aid->size() > 16) {
    fail(attributes.where() + "/applicationIdentifier", "expected 1 to 16 hex bytes in braces");
  }
  return std::move(*aid);
}

}  // namespace hcbridge::sim::gematik
