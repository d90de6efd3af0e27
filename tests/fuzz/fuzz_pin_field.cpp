// takePinField on arbitrary bodies, checked against nlohmann's parse of the
// same bytes: no read past the body, the body keeps its length and changes
// only to '*', valid JSON is never called malformed, the PIN taken is the
// parser's "pin" string, and the blanked body parses to the same document
// apart from the PIN.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "hcbridge/error.hpp"
#include "pin_field.hpp"

using namespace hcbridge;
using nlohmann::json;

namespace {

// Bounded so that nlohmann's recursive destructor stays shallow.
constexpr std::size_t kMaxInput = 4096;

json withoutPin(json document) {
  if (document.is_object()) document.erase("pin");
  return document;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > kMaxInput) return 0;
  const std::string original(reinterpret_cast<const char*>(data), size);
  // The parser keeps the last of duplicate keys; takePinField refuses them.
  int topLevelPins = 0;
  const json::parser_callback_t countPins = [&topLevelPins](int depth, json::parse_event_t event,
                                                            json& value) {
    if (event == json::parse_event_t::key && depth == 1 && value == "pin") ++topLevelPins;
    return true;
  };
  const json parsed = json::parse(original, countPins, false);
  const bool valid = !parsed.is_discarded();

  std::string body = original;
  std::optional<SecretBytes> pin;
  try {
    pin = api::takePinField(body);
  } catch (const Error& error) {
    if (error.code() != Errc::BadRequest) __builtin_trap();
    if (!valid || topLevelPins > 1) return 0;
    const std::string what = error.what();
    // Valid JSON is refused only for its "pin" member.
    if (what.find("not valid JSON") != std::string::npos) __builtin_trap();
    if (what == "the field 'pin' is given twice") __builtin_trap();
    if (what == "the field 'pin' must be a string") {
      if (!parsed.is_object() || !parsed.contains("pin") || parsed["pin"].is_string() ||
          parsed["pin"].is_null()) {
        __builtin_trap();
      }
    }
    return 0;
  }
  if (body.size() != original.size()) __builtin_trap();
  for (std::size_t i = 0; i < body.size(); ++i) {
    if (body[i] != original[i] && body[i] != '*') __builtin_trap();
  }
  if (!valid) return 0;
  const bool hasPin = parsed.is_object() && parsed.contains("pin") && parsed["pin"].is_string();
  if (hasPin != pin.has_value()) __builtin_trap();
  if (topLevelPins > 1 || (hasPin && topLevelPins != 1)) __builtin_trap();
  const json blanked = json::parse(body, nullptr, false);
  if (blanked.is_discarded() || withoutPin(blanked) != withoutPin(parsed)) __builtin_trap();
  if (pin) {
    const std::string expected = parsed["pin"].get<std::string>();
    if (std::string(pin->view().begin(), pin->view().end()) != expected) __builtin_trap();
    const std::string placeholder = blanked["pin"].get<std::string>();
    if (placeholder.empty() != expected.empty()) __builtin_trap();
    if (placeholder.find_first_not_of('*') != std::string::npos) __builtin_trap();
  }
  return 0;
}
