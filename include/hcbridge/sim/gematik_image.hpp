// gematik card images: the XML object-system format of gematik's card
// simulator (eGK, HBA, SMC-B images in ref-OpenHealthCardKit) turned into a
// simulator Profile. See docs/cards-german.md for the mapping.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "hcbridge/sim/profile.hpp"

namespace hcbridge::sim {

// Reads and converts an image file. The profile's name is the file's stem.
// Throws Error(ProfileInvalid) naming the file and the offending object.
Profile loadGematikImage(const std::filesystem::path& path);

// Converts image XML already in memory; `name` becomes the profile's name.
Profile parseGematikImage(std::string_view xml, const std::string& name);

}  // namespace hcbridge::sim
