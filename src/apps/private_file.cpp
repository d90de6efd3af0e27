#include "private_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

#include "hcbridge/error.hpp"

namespace hcbridge::apps {
namespace {

[[noreturn]] void fileError(const std::filesystem::path& file, const char* what, int error) {
  throw Error(Errc::Internal,
              std::string(what) + " the application key file " + file.string() + ": " +
                  std::strerror(error),
              "Check that the folder exists and that you may write to it (try sudo, or "
              "--keys FILE).");
}

// Root writes files as root; the service reading them does not run as root.
void keepOwner(int fd, const std::filesystem::path& file, const std::filesystem::path& folder) {
  if (geteuid() != 0) return;
  struct stat owner {};
  if (stat(file.c_str(), &owner) != 0 && stat(folder.c_str(), &owner) != 0) return;
  if (fchown(fd, owner.st_uid, owner.st_gid) != 0)
    fileError(file, "Cannot set the owner of", errno);
}

void writeAll(int fd, std::string_view content, const std::filesystem::path& file) {
  while (!content.empty()) {
    const ssize_t n = ::write(fd, content.data(), content.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fileError(file, "Cannot write", n < 0 ? errno : ENOSPC);
    content.remove_prefix(static_cast<std::size_t>(n));
  }
}

}  // namespace

void replacePrivateFile(const std::filesystem::path& file, std::string_view content) {
  const std::filesystem::path folder =
      file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
  std::string temporary = (folder / ("." + file.filename().string() + ".XXXXXX")).string();
  const int fd = mkostemp(temporary.data(), O_CLOEXEC);  // mode 0600
  if (fd < 0) fileError(file, "Cannot create a temporary file next to", errno);
  bool closed = false;
  try {
    if (fchmod(fd, 0600) != 0) fileError(file, "Cannot set the mode of", errno);
    keepOwner(fd, file, folder);
    writeAll(fd, content, file);
    if (fsync(fd) != 0) fileError(file, "Cannot flush", errno);
    closed = true;
    if (::close(fd) != 0) fileError(file, "Cannot write", errno);
  } catch (...) {
    if (!closed) ::close(fd);
    unlink(temporary.c_str());
    throw;
  }
  if (rename(temporary.c_str(), file.c_str()) != 0) {
    const int error = errno;
    unlink(temporary.c_str());
    fileError(file, "Cannot replace", error);
  }
  // Makes the rename itself durable.
  const int folderFd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (folderFd >= 0) {
    fsync(folderFd);
    ::close(folderFd);
  }
}

}  // namespace hcbridge::apps
