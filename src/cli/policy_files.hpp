// The file operations of `hcbridge browser-policy`: read, check before
// writing anything, write atomically (a browser starting meanwhile reads the
// old file or the new one, never half of one), remove.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hcbridge::cli {

// `path` (absolute, as on the target system) under `root`: --root /img
// makes /etc/x /img/etc/x.
std::filesystem::path underRoot(const std::filesystem::path& root,
                                const std::filesystem::path& path);

// The file's text; nullopt when it does not exist. Error(Internal) naming
// the file when it exists but cannot be read.
std::optional<std::string> readPolicyFile(const std::filesystem::path& file);

// Error(Internal) naming the folder unless `folder` can be written or
// created: its nearest existing ancestor must be a writable folder (not a
// file, not on a read-only file system).
void checkFolderWritable(const std::filesystem::path& folder);

// Creates the missing folders of `folder` with mode 0755; returns them,
// parents first.
std::vector<std::filesystem::path> createFolders(const std::filesystem::path& folder);

// A temporary file in the same folder, mode 0644, fsync, rename over `file`.
void replaceFileAtomically(const std::filesystem::path& file, std::string_view content);

void removeFile(const std::filesystem::path& file);

// Removes those of `folders` (parents first) that are empty, deepest first;
// returns the ones removed.
std::vector<std::filesystem::path> removeEmptyFolders(
    const std::vector<std::filesystem::path>& folders);

}  // namespace hcbridge::cli
