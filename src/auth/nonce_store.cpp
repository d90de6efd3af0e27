#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "hcbridge/auth/verifier.hpp"
#include "hcbridge/error.hpp"

namespace hcbridge::auth {
namespace {

std::string sha256Hex(std::string_view nonce) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  for (const std::uint8_t byte : sha256(nonce)) {
    hex.push_back(kDigits[byte >> 4]);
    hex.push_back(kDigits[byte & 0x0F]);
  }
  return hex;
}

// Closes the descriptor (which also drops its flock) on every path.
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

[[noreturn]] void storeError(const std::filesystem::path& file, const std::string& what) {
  throw Error(Errc::Internal,
              "Nonce store " + file.string() + ": " + what + ": " + std::strerror(errno),
              "Check that the nonce store's folder exists and is writable by this user.");
}

}  // namespace

bool MemoryNonceStore::consume(std::string_view nonce) {
  std::string key = sha256Hex(nonce);
  const std::lock_guard lock(mutex_);
  return used_.insert(std::move(key)).second;
}

FileNonceStore::FileNonceStore(std::filesystem::path file) : file_(std::move(file)) {}

bool FileNonceStore::consume(std::string_view nonce) {
  const std::string line = sha256Hex(nonce) + "\n";
  const std::lock_guard lock(mutex_);
  // A descriptor per call: flock belongs to the open file description, so
  // other processes (and other FileNonceStore objects) wait for this one.
  FileDescriptor fd(::open(file_.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW,
                           S_IRUSR | S_IWUSR));
  if (fd.get() < 0) storeError(file_, "cannot open");
  while (::flock(fd.get(), LOCK_EX) != 0) {
    if (errno != EINTR) storeError(file_, "cannot lock");
  }
  std::string content;
  char buffer[8192];
  if (::lseek(fd.get(), 0, SEEK_SET) < 0) storeError(file_, "cannot seek");
  while (true) {
    const ssize_t count = ::read(fd.get(), buffer, sizeof buffer);
    if (count < 0 && errno == EINTR) continue;
    if (count < 0) storeError(file_, "cannot read");
    if (count == 0) break;
    content.append(buffer, static_cast<std::size_t>(count));
  }
  // Whole-line match: the file is one 64-digit hash per line.
  for (std::size_t start = 0; start < content.size();) {
    const std::size_t end = content.find('\n', start);
    const std::size_t stop = end == std::string::npos ? content.size() : end + 1;
    if (content.compare(start, stop - start, line) == 0) return false;
    start = stop;
  }
  // A line cut short by a crash would glue onto ours: start a fresh line.
  const std::string record = (!content.empty() && content.back() != '\n' ? "\n" : "") + line;
  std::size_t written = 0;
  while (written < record.size()) {
    const ssize_t count = ::write(fd.get(), record.data() + written, record.size() - written);
    if (count < 0 && errno == EINTR) continue;
    if (count <= 0) storeError(file_, "cannot write");
    written += static_cast<std::size_t>(count);
  }
  // The nonce counts as used only once it is on disk.
  if (::fdatasync(fd.get()) != 0) storeError(file_, "cannot sync");
  return true;
}

}  // namespace hcbridge::auth
