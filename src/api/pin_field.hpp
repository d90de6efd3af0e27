// Takes the PIN out of a raw JSON request body before the JSON parser sees
// it. nlohmann's lexer copies every string value into its own token buffer
// (and the raw characters into another, for error messages) and frees them
// unwiped; a PIN parsed that way would stay in freed heap memory. So the
// `"pin"` member of the top-level object is found by a small bounded scanner,
// decoded straight into SecretBytes, and its characters in the body are
// overwritten with '*' (same length: the body stays valid JSON, byte offsets
// in later parse errors stay right). The parser then only ever sees "****".
#pragma once

#include <exception>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "hcbridge/api/policy.hpp"
#include "hcbridge/secret.hpp"

namespace hcbridge::api {

// The top-level "pin" string of `body`, its characters in `body` blanked.
// nullopt when the body is not an object, has no "pin" or "pin" is null.
// Throws Error(BadRequest) (never quoting the value) when "pin" is not a
// string, is given twice, or the body is malformed around it (a string with
// a bad escape or a raw control character, a key without ':'). Does not
// check the PIN's form (digits, length): the endpoint does.
std::optional<SecretBytes> takePinField(std::string& body);

// A request body with its PIN taken out. A fault of the "pin" field itself
// (not a string, given twice, a bad escape) is kept for the endpoint to
// raise, so that it is audited like the endpoint's other refusals; the body
// is then not parsed at all (the PIN in it was not blanked).
struct BodyWithPin {
  nlohmann::json json;  // null for an empty body; "pin", when given, holds '*'s
  std::optional<SecretBytes> pin;
  std::exception_ptr pinError;

  // The PIN (nullopt when the body has none), or the pin field's fault thrown.
  std::optional<SecretBytes> takePin();
};

// What the router calls for every body: copies it, takes the PIN out of the
// copy, parses the copy (parseJsonBody, which throws Error(BadRequest)), and
// wipes the copy however that ends.
BodyWithPin parseBodyTakingPin(std::string_view body, const Limits& limits);

}  // namespace hcbridge::api
