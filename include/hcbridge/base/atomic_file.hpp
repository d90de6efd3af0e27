// Replacing a file so that a reader sees the old content or the new one,
// never half of one: a temporary file in the same folder, written, fsynced,
// given its mode, renamed over the file, and the folder fsynced so that the
// rename itself survives a crash. Used for the application key file (0600)
// and the browser policy files (0644).
//
// Every failure is a FileWriteFault handed to the caller's locator, which
// turns it into the caller's own hcbridge::Error (its code, its wording, the
// path it names); the function throws what it returns, after removing the
// temporary file: the file is then unchanged and nothing is left behind.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <functional>
#include <string_view>

#include "hcbridge/error.hpp"

namespace hcbridge::base {

enum class FileWriteStep {
  CreateTemporary,  // the temporary file could not be made (e.g. no such folder)
  SetMode,          // fchmod of the temporary file
  SetOwner,         // fchown of the temporary file (keepOwner)
  Write,            // writing or closing the temporary file
  Flush,            // fsync of the temporary file
  Replace,          // rename over the file
};

struct FileWriteFault {
  FileWriteStep step = FileWriteStep::Write;
  // The temporary file (already removed); empty for CreateTemporary.
  std::filesystem::path temporary;
  int error = 0;  // errno

  // The step as the start of a sentence naming a path: "Cannot write",
  // "Cannot set the mode of", "Cannot create a temporary file next to", ...
  std::string_view action() const;
};

using FileWriteLocator = std::function<Error(const FileWriteFault&)>;

struct AtomicWriteOptions {
  mode_t mode = 0600;  // the file's permission bits, whatever the umask
  // As root, give the file the owner of the file it replaces (or, when new,
  // of its folder): a service reading it does not run as root.
  bool keepOwner = false;
  // fsync the folder after the rename (best effort: a failure is not reported).
  bool syncFolder = true;
};

// Replaces `file` (or creates it) with `content`; see above.
void writeFileAtomically(const std::filesystem::path& file, std::string_view content,
                         const AtomicWriteOptions& options, const FileWriteLocator& locator);

// fsync of a folder, after a file in it was renamed or removed; best effort.
void syncFolder(const std::filesystem::path& folder);

}  // namespace hcbridge::base
