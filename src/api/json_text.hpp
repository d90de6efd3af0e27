// How the API turns JSON into text: compact, and invalid UTF-8 (from a card
// or a header) replaced by U+FFFD rather than thrown.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace hcbridge::api {

inline std::string jsonText(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace hcbridge::api
