#include "body_fields.hpp"

#include <utility>

#include "hcbridge/error.hpp"

namespace hcbridge::api {

base::JsonLocator bodyLocator(std::string endpoint) {
  return [endpoint = std::move(endpoint)](const base::JsonFault& fault) {
    using Kind = base::JsonFaultKind;
    switch (fault.kind) {
      case Kind::NotObject:
        if (fault.path.empty()) {
          return Error(Errc::BadRequest, endpoint + " needs a JSON object as its body",
                       "see /v1/openapi.json for its fields");
        }
        break;
      case Kind::UnknownKey:
        return Error(Errc::BadRequest, "unknown field '" + fault.path + "' for " + endpoint +
                                           "; valid: " + fault.allowedText());
      case Kind::Missing:
        return Error(Errc::BadRequest, endpoint + " needs the field '" + fault.path + "'");
      case Kind::WrongType:
      case Kind::OutOfRange:
        return Error(Errc::BadRequest,
                     "field '" + fault.path + "' of " + endpoint + " must be " + fault.expected);
      default:
        break;
    }
    return Error(Errc::BadRequest, endpoint + ": " + fault.message());
  };
}

BodyFields::BodyFields(const nlohmann::json& body, std::string endpoint,
                       std::vector<std::string> known)
    : reader_(body, std::move(known), bodyLocator(std::move(endpoint)),
              base::JsonObjectReader::Options{.refuseUnknown = true, .nullIsAbsent = true}) {}

std::optional<std::string> BodyFields::string(const std::string& name, bool required) const {
  if (required) return reader_.requiredString(name);
  return reader_.optionalString(name);
}

bool BodyFields::boolean(const std::string& name, bool fallback) const {
  return reader_.boolean(name, fallback);
}

std::optional<int> BodyFields::integer(const std::string& name, int min, int max) const {
  const auto value = reader_.optionalInteger(name, min, max);
  if (!value) return std::nullopt;
  return static_cast<int>(*value);
}

}  // namespace hcbridge::api
