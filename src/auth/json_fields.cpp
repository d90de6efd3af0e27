#include "json_fields.hpp"

#include "hcbridge/error.hpp"

namespace hcbridge::auth::detail {
namespace {

constexpr std::int64_t kLatestSeconds = 253402300799;  // 9999-12-31T23:59:59Z

Error tokenInvalid(const std::string& message) {
  return Error(Errc::TokenInvalid, message,
               "Make a new token with hcbridge; a token must reach the verifier unchanged.");
}

}  // namespace

void throwTokenInvalid(const std::string& message) {
  throw tokenInvalid(message);
}

base::JsonObjectReader tokenFields(const nlohmann::json& object, std::string_view where) {
  // Tokens read strings and seconds only: a wrong type is either.
  base::JsonLocator locator = [where = std::string(where)](const base::JsonFault& fault) {
    const std::string field = "\"" + fault.key + "\"";
    switch (fault.kind) {
      case base::JsonFaultKind::NotObject:
        return tokenInvalid("The " + where + " is not a JSON object");
      case base::JsonFaultKind::Missing:
        return tokenInvalid("The " + where + " has no " + field + " field");
      case base::JsonFaultKind::WrongType:
        if (fault.expected == "a string") {
          return tokenInvalid("The " + where + " field " + field + " is not a string");
        }
        return tokenInvalid("The " + where + " field " + field +
                            " is not an integer (seconds since 1970)");
      case base::JsonFaultKind::OutOfRange:
        return tokenInvalid("The " + where + " field " + field +
                            " is not a time between 1970 and 9999");
      default:
        return tokenInvalid("The " + where + ": " + fault.message());
    }
  };
  return base::JsonObjectReader(object, {}, std::move(locator),
                                base::JsonObjectReader::Options{.refuseUnknown = false});
}

std::int64_t requireSeconds(const base::JsonObjectReader& fields, std::string_view field) {
  return fields.requiredInteger(field, 0, kLatestSeconds);
}

}  // namespace hcbridge::auth::detail
