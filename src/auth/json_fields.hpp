// Typed access to the fields of untrusted JSON objects; every failure is
// Error(TokenInvalid) naming the field.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace hcbridge::auth::detail {

// `where` names the object in messages: "token", "JWS header", "claims".
const std::string& requireString(const nlohmann::json& object, const char* field,
                                 std::string_view where);
// Seconds since the epoch between 1970 and 9999 (so that differences cannot
// overflow); a JSON integer, not a float.
std::int64_t requireSeconds(const nlohmann::json& object, const char* field,
                            std::string_view where);

[[noreturn]] void throwTokenInvalid(const std::string& message);

}  // namespace hcbridge::auth::detail
