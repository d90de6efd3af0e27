#include "json_fields.hpp"

#include "hcbridge/error.hpp"

namespace hcbridge::auth::detail {
namespace {

constexpr std::int64_t kLatestSeconds = 253402300799;  // 9999-12-31T23:59:59Z

const nlohmann::json& requireField(const nlohmann::json& object, const char* field,
                                   std::string_view where) {
  const auto found = object.find(field);
  if (found == object.end()) {
    throwTokenInvalid("The " + std::string(where) + " has no \"" + field + "\" field");
  }
  return *found;
}

}  // namespace

void throwTokenInvalid(const std::string& message) {
  throw Error(Errc::TokenInvalid, message,
              "Make a new token with hcbridge; a token must reach the verifier unchanged.");
}

const std::string& requireString(const nlohmann::json& object, const char* field,
                                 std::string_view where) {
  const auto& value = requireField(object, field, where);
  if (!value.is_string()) {
    throwTokenInvalid("The " + std::string(where) + " field \"" + field + "\" is not a string");
  }
  return value.get_ref<const std::string&>();
}

std::int64_t requireSeconds(const nlohmann::json& object, const char* field,
                            std::string_view where) {
  const auto& value = requireField(object, field, where);
  std::int64_t seconds = -1;
  if (value.is_number_unsigned()) {
    const auto unsignedValue = value.get<std::uint64_t>();
    if (unsignedValue <= static_cast<std::uint64_t>(kLatestSeconds)) {
      seconds = static_cast<std::int64_t>(unsignedValue);
    }
  } else if (value.is_number_integer()) {
    seconds = value.get<std::int64_t>();
  } else {
    throwTokenInvalid("The " + std::string(where) + " field \"" + field +
                      "\" is not an integer (seconds since 1970)");
  }
  if (seconds < 0 || seconds > kLatestSeconds) {
    throwTokenInvalid("The " + std::string(where) + " field \"" + field +
                      "\" is not a time between 1970 and 9999");
  }
  return seconds;
}

}  // namespace hcbridge::auth::detail
