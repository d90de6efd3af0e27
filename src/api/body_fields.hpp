// Reads the fields of a JSON request body: refuses a body that is not an
// object, a field the endpoint does not know (a typo is not silently
// ignored) and a field of the wrong type, each with a detail naming it.
// A thin use of the strict reader (hcbridge/base/json_object.hpp) with the
// API's wording; a null field reads as absent.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hcbridge/base/json_object.hpp"

namespace hcbridge::api {

// The API's locator: every fault is Error(BadRequest) naming the field and
// `endpoint`.
base::JsonLocator bodyLocator(std::string endpoint);

class BodyFields {
 public:
  // Throws Error(BadRequest). `endpoint` names the endpoint in the details.
  BodyFields(const nlohmann::json& body, std::string endpoint, std::vector<std::string> known);

  // Throws Error(BadRequest) when present but not a string, or absent and required.
  std::optional<std::string> string(const std::string& name, bool required = false) const;
  bool boolean(const std::string& name, bool fallback) const;
  // Throws Error(BadRequest) when present but not an integer in [min, max].
  std::optional<int> integer(const std::string& name, int min, int max) const;

 private:
  base::JsonObjectReader reader_;
};

}  // namespace hcbridge::api
