#include "hcbridge/base/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <string>

namespace hcbridge::base {
namespace {

namespace fs = std::filesystem;

// The temporary file, removed unless renamed over the file.
class Temporary {
 public:
  Temporary(const fs::path& file, const FileWriteLocator& locator)
      : name_((file.parent_path() / ("." + file.filename().string() + ".XXXXXX")).string()),
        locator_(locator) {
    fd_ = mkostemp(name_.data(), O_CLOEXEC);  // mode 0600 until fchmod
    if (fd_ < 0) fail(FileWriteStep::CreateTemporary, errno);
    exists_ = true;
  }
  Temporary(const Temporary&) = delete;
  Temporary& operator=(const Temporary&) = delete;
  ~Temporary() {
    if (fd_ >= 0) ::close(fd_);
    if (exists_) unlink(name_.c_str());
  }

  int fd() const { return fd_; }

  [[noreturn]] void fail(FileWriteStep step, int error) {
    FileWriteFault fault;
    fault.step = step;
    fault.error = error;
    if (fd_ >= 0) {
      ::close(fd_);
      fd_ = -1;
    }
    if (exists_) {
      unlink(name_.c_str());
      exists_ = false;
      fault.temporary = name_;
    }
    throw locator_(fault);
  }

  void write(std::string_view content) {
    while (!content.empty()) {
      const ssize_t n = ::write(fd_, content.data(), content.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) fail(FileWriteStep::Write, n < 0 ? errno : ENOSPC);
      content.remove_prefix(static_cast<std::size_t>(n));
    }
  }

  void close() {
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) fail(FileWriteStep::Write, errno);
  }

  void renameOver(const fs::path& file) {
    if (rename(name_.c_str(), file.c_str()) != 0) fail(FileWriteStep::Replace, errno);
    exists_ = false;
  }

 private:
  std::string name_;
  const FileWriteLocator& locator_;
  int fd_ = -1;
  bool exists_ = false;  // made and neither renamed nor removed yet
};

// Root writes files as root; the service reading them does not run as root.
void keepOwner(Temporary& temporary, const fs::path& file, const fs::path& folder) {
  if (geteuid() != 0) return;
  struct stat owner {};
  if (stat(file.c_str(), &owner) != 0 && stat(folder.c_str(), &owner) != 0) return;
  if (fchown(temporary.fd(), owner.st_uid, owner.st_gid) != 0) {
    temporary.fail(FileWriteStep::SetOwner, errno);
  }
}

}  // namespace

std::string_view FileWriteFault::action() const {
  switch (step) {
    case FileWriteStep::CreateTemporary:
      return "Cannot create a temporary file next to";
    case FileWriteStep::SetMode:
      return "Cannot set the mode of";
    case FileWriteStep::SetOwner:
      return "Cannot set the owner of";
    case FileWriteStep::Write:
      return "Cannot write";
    case FileWriteStep::Flush:
      return "Cannot flush";
    case FileWriteStep::Replace:
      return "Cannot replace";
  }
  return "Cannot write";
}

void writeFileAtomically(const fs::path& file, std::string_view content,
                         const AtomicWriteOptions& options, const FileWriteLocator& locator) {
  const fs::path folder = file.has_parent_path() ? file.parent_path() : fs::path(".");
  Temporary temporary(file, locator);
  if (fchmod(temporary.fd(), options.mode) != 0) temporary.fail(FileWriteStep::SetMode, errno);
  if (options.keepOwner) keepOwner(temporary, file, folder);
  temporary.write(content);
  if (fsync(temporary.fd()) != 0) temporary.fail(FileWriteStep::Flush, errno);
  temporary.close();
  temporary.renameOver(file);
  if (options.syncFolder) syncFolder(folder);
}

void syncFolder(const fs::path& folder) {
  const int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  fsync(fd);
  ::close(fd);
}

}  // namespace hcbridge::base
