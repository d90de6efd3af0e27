// Internal to hcbridge_sim: profile parsing from an already parsed JSON
// document (the built-in profiles are merged before parsing).
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>

#include "hcbridge/sim/profile.hpp"

namespace hcbridge::sim::detail {

// Throws Error(ProfileInvalid) naming the offending JSON path. Wipes the PIN
// and PUK strings held in `document` before returning or throwing.
Profile parseProfileDocument(nlohmann::json document, const std::filesystem::path& baseDir);

}  // namespace hcbridge::sim::detail
