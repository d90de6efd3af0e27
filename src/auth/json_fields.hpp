// Typed access to the fields of untrusted token objects (a Web eID token, a
// JWS header, assertion claims): the strict reader of
// hcbridge/base/json_object.hpp with the token locator. Every failure is
// Error(TokenInvalid) naming the field; keys hcbridge does not read are kept
// (claims may carry more), a null value is of the wrong type.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "hcbridge/base/json_object.hpp"

namespace hcbridge::auth::detail {

// `where` names the object in messages: "token", "JWS header", "claims".
// Throws Error(TokenInvalid) when `object` is not an object.
base::JsonObjectReader tokenFields(const nlohmann::json& object, std::string_view where);

// Seconds since the epoch between 1970 and 9999 (so that differences cannot
// overflow); a JSON integer, not a float.
std::int64_t requireSeconds(const base::JsonObjectReader& fields, std::string_view field);

[[noreturn]] void throwTokenInvalid(const std::string& message);

}  // namespace hcbridge::auth::detail
