// Splits a request target into path and decoded query parameters.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hcbridge::api {

struct Target {
  std::string path;
  std::vector<std::pair<std::string, std::string>> query;  // decoded, in order

  // The value of a parameter given once; nullopt when absent.
  std::optional<std::string> param(std::string_view name) const;
};

// Throws hcbridge::Error(BadRequest) for a target that is not origin-form
// ("/..."), a malformed %-escape or a parameter given twice.
Target parseTarget(std::string_view target);

}  // namespace hcbridge::api
