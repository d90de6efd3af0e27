// gematik card images, part 1 of 4: attribute values. Hex text, the
// <attributes> of one image object looked up by id, and the one error every
// part of the converter throws (Error(ProfileInvalid) naming the object).
#pragma once

#include <cstddef>
#include <optional>
#include <pugixml.hpp>
#include <string>
#include <string_view>

#include "hcbridge/bytes.hpp"

namespace hcbridge::sim::gematik {

// Throws Error(ProfileInvalid, "<where>: <what>") with the image format hint.
[[noreturn]] void fail(const std::string& where, const std::string& what);

// 0..15, or -1 for a character that is not a hex digit.
int hexDigit(char c);
// Hex with any whitespace (values may hold newlines); nullopt when not hex.
std::optional<Bytes> hexBytes(std::string_view text);
std::string trimmed(std::string_view text);
bool equalsIgnoringCase(std::string_view a, std::string_view b);

// The <attributes> of one object, looked up by id.
class Attributes {
 public:
  Attributes(pugi::xml_node object, std::string where)
      : node_(object.child("attributes")), where_(std::move(where)) {}

  const std::string& where() const { return where_; }

  std::optional<std::string_view> text(const char* id) const {
    const pugi::xml_node attribute = node_.find_child_by_attribute("attribute", "id", id);
    if (!attribute) return std::nullopt;
    return std::string_view(attribute.child_value());
  }

  std::optional<Bytes> bytes(const char* id) const {
    const auto value = text(id);
    if (!value) return std::nullopt;
    auto decoded = hexBytes(*value);
    if (!decoded) fail(where_ + "/" + id, "expected hex");
    return decoded;
  }

  // Hex that may be absent or a placeholder such as "AttributeNotSet".
  std::optional<Bytes> bytesIfSet(const char* id) const {
    const auto value = text(id);
    if (!value) return std::nullopt;
    return hexBytes(*value);
  }

  Bytes requiredBytes(const char* id) const {
    auto value = bytes(id);
    if (!value) fail(where_, std::string("missing attribute ") + id);
    return std::move(*value);
  }

  // A hex number ("2d", "0193", "000C").
  std::optional<std::size_t> number(const char* id, std::size_t max) const {
    const auto value = bytes(id);
    if (!value) return std::nullopt;
    std::size_t number = 0;
    for (const std::uint8_t byte : *value) {
      if (number > (max >> 8)) fail(where_ + "/" + id, "value too large");
      number = (number << 8) | byte;
    }
    if (number > max) fail(where_ + "/" + id, "value too large");
    return number;
  }

  std::string string(const char* id) const {
    const auto value = text(id);
    return value ? trimmed(*value) : std::string();
  }

 private:
  pugi::xml_node node_;
  std::string where_;
};

// "{d2760001448000}" -> bytes; empty when the object has no AID.
Bytes applicationIdentifier(const Attributes& attributes);

}  // namespace hcbridge::sim::gematik
