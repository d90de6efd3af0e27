#include "policy_files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

#include "hcbridge/base/atomic_file.hpp"
#include "hcbridge/error.hpp"

namespace hcbridge::cli {
namespace {

namespace fs = std::filesystem;

const std::string kWriteHint =
    "Run it as root (sudo hcbridge browser-policy --write). For a read-only /etc, write into "
    "the image with --root DIR; to leave a browser out, name the others with --browser. "
    "Nothing was written.";

Error makeFileError(const std::string& what, const fs::path& path, int error) {
  return Error(Errc::Internal, what + " " + path.string() + ": " + std::strerror(error),
               kWriteHint);
}

[[noreturn]] void fileError(const std::string& what, const fs::path& path, int error) {
  throw makeFileError(what, path, error);
}

}  // namespace

fs::path underRoot(const fs::path& root, const fs::path& path) {
  return root / path.relative_path();
}

std::optional<std::string> readPolicyFile(const fs::path& file) {
  std::error_code error;
  if (!fs::exists(file, error)) return std::nullopt;
  if (fs::is_directory(file, error)) fileError("Cannot read", file, EISDIR);
  std::ifstream in(file, std::ios::binary);
  if (!in) fileError("Cannot read", file, errno);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void checkFolderWritable(const fs::path& folder) {
  fs::path existing = folder;
  std::error_code error;
  while (!fs::exists(existing, error) && existing.has_relative_path()) {
    existing = existing.parent_path();
  }
  if (!fs::is_directory(existing, error)) {
    throw Error(Errc::Internal,
                "Cannot make the browser policy folder " + folder.string() + ": " +
                    existing.string() + " is a file, not a folder",
                "Move that file away, then run the command again. Nothing was written.");
  }
  // access() answers EROFS even to root, who may write anywhere else.
  if (access(existing.c_str(), W_OK) != 0) {
    fileError("Cannot write the browser policy folder", existing, errno);
  }
}

std::vector<fs::path> createFolders(const fs::path& folder) {
  std::vector<fs::path> missing;
  for (fs::path at = folder; !fs::exists(at) && at.has_relative_path(); at = at.parent_path()) {
    missing.insert(missing.begin(), at);
  }
  std::vector<fs::path> made;
  for (const auto& created : missing) {
    // Browsers run as the user: they must read (and enter) the folders.
    if (mkdir(created.c_str(), 0755) != 0) {
      if (errno == EEXIST) continue;  // someone else's meanwhile: not ours, its mode is theirs
      fileError("Cannot make the folder", created, errno);
    }
    // The umask may have narrowed the mode. Through a descriptor of the
    // folder itself, never a link planted in its place (a --root tree
    // that another user can write).
    const int fd = ::open(created.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) fileError("Cannot open the folder", created, errno);
    const bool modeSet = fchmod(fd, 0755) == 0;
    const int error = errno;
    ::close(fd);
    if (!modeSet) fileError("Cannot set the mode of", created, error);
    made.push_back(created);
  }
  return made;
}

void replaceFileAtomically(const fs::path& file, std::string_view content) {
  base::writeFileAtomically(
      file, content, {.mode = 0644}, [&file](const base::FileWriteFault& fault) {
        switch (fault.step) {
          case base::FileWriteStep::CreateTemporary:
            return makeFileError("Cannot create a temporary file in", file.parent_path(),
                                 fault.error);
          case base::FileWriteStep::Replace:
            return makeFileError("Cannot replace", file, fault.error);
          default:
            return makeFileError(std::string(fault.action()), fault.temporary, fault.error);
        }
      });
}

void removeFile(const fs::path& file) {
  if (unlink(file.c_str()) != 0 && errno != ENOENT) fileError("Cannot remove", file, errno);
  base::syncFolder(file.parent_path());
}

std::vector<fs::path> removeEmptyFolders(const std::vector<fs::path>& folders) {
  std::vector<fs::path> removed;
  for (auto it = folders.rbegin(); it != folders.rend(); ++it) {
    // rmdir refuses a folder that is not empty: someone else's files stay.
    if (rmdir(it->c_str()) == 0) removed.push_back(*it);
  }
  return removed;
}

}  // namespace hcbridge::cli
