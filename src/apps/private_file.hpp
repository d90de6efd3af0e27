// Replacing a small private file so that readers see the old or the new
// content, never a mix, and never a moment with looser permissions.
#pragma once

#include <filesystem>
#include <string_view>

namespace hcbridge::apps {

// Writes a temporary file (mode 0600) in the same folder, fsyncs it and
// renames it over `file`. When run as root, the file keeps the owner of the
// file it replaces, or takes the folder's owner when new, so that `sudo
// hcbridge apps add` leaves it readable by the service's user. Throws
// Error(Internal) naming `file` on failure; `file` is then unchanged.
void replacePrivateFile(const std::filesystem::path& file, std::string_view content);

}  // namespace hcbridge::apps
