#include "body_fields.hpp"

#include <algorithm>
#include <cstdint>

#include "hcbridge/error.hpp"

namespace hcbridge::api {

BodyFields::BodyFields(const nlohmann::json& body, std::string endpoint,
                       std::vector<std::string> known)
    : body_(body), endpoint_(std::move(endpoint)) {
  if (!body_.is_object()) {
    throw Error(Errc::BadRequest, endpoint_ + " needs a JSON object as its body",
                "see /v1/openapi.json for its fields");
  }
  for (const auto& item : body_.items()) {
    if (std::find(known.begin(), known.end(), item.key()) == known.end()) {
      std::string valid;
      for (const auto& name : known) valid += (valid.empty() ? "" : ", ") + name;
      throw Error(Errc::BadRequest,
                  "unknown field '" + item.key() + "' for " + endpoint_ + "; valid: " + valid);
    }
  }
}

std::optional<std::string> BodyFields::string(const std::string& name, bool required) const {
  const auto it = body_.find(name);
  if (it == body_.end() || it->is_null()) {
    if (required) throw Error(Errc::BadRequest, endpoint_ + " needs the field '" + name + "'");
    return std::nullopt;
  }
  if (!it->is_string()) {
    throw Error(Errc::BadRequest, "field '" + name + "' of " + endpoint_ + " must be a string");
  }
  return it->get<std::string>();
}

bool BodyFields::boolean(const std::string& name, bool fallback) const {
  const auto it = body_.find(name);
  if (it == body_.end() || it->is_null()) return fallback;
  if (!it->is_boolean()) {
    throw Error(Errc::BadRequest,
                "field '" + name + "' of " + endpoint_ + " must be true or false");
  }
  return it->get<bool>();
}

std::optional<int> BodyFields::integer(const std::string& name, int min, int max) const {
  const auto it = body_.find(name);
  if (it == body_.end() || it->is_null()) return std::nullopt;
  if (!it->is_number_integer() || it->get<std::int64_t>() < min || it->get<std::int64_t>() > max) {
    throw Error(Errc::BadRequest, "field '" + name + "' of " + endpoint_ +
                                      " must be a whole number from " + std::to_string(min) +
                                      " to " + std::to_string(max));
  }
  return static_cast<int>(it->get<std::int64_t>());
}

}  // namespace hcbridge::api
