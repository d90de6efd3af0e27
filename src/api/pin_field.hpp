// Takes the PIN out of a raw JSON request body before the JSON parser sees
// it. nlohmann's lexer copies every string value into its own token buffer
// (and the raw characters into another, for error messages) and frees them
// unwiped; a PIN parsed that way would stay in freed heap memory. So the
// `"pin"` member of the top-level object is found by a small bounded scanner,
// decoded straight into SecretBytes, and its characters in the body are
// overwritten with '*' (same length: the body stays valid JSON, byte offsets
// in later parse errors stay right). The parser then only ever sees "****".
#pragma once

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

struct BodyWithPin {
  nlohmann::json json;  // null for an empty body; "pin", when given, holds '*'s
  std::optional<SecretBytes> pin;
};

// What the router calls for every body: copies it, takes the PIN out of the
// copy, parses the copy (parseJsonBody), and wipes the copy however that ends.
BodyWithPin parseBodyTakingPin(std::string_view body, const Limits& limits);

}  // namespace hcbridge::api
