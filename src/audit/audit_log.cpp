#include "hcbridge/audit_log.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "audit_line.hpp"
#include "hcbridge/base/utc_time.hpp"
#include "hcbridge/error.hpp"
#include "sha256_hex.hpp"

namespace hcbridge {
namespace {

// Audit lines are a few hundred bytes; anything longer at the end of the file
// is not one of ours.
constexpr std::size_t kMaxLineBytes = 1 << 20;

const char* const kCheckHint =
    "Check it with 'hcbridge audit verify FILE'. To start a new log, move the file aside "
    "(keep it: it is evidence) and restart hcbridged.";

[[noreturn]] void fileError(const std::filesystem::path& file, const std::string& what, int error) {
  throw Error(Errc::Internal,
              what + " the audit log " + file.string() + ": " + std::strerror(error),
              "Check that the folder exists and that hcbridge may write to it.");
}

[[noreturn]] void brokenLog(const std::filesystem::path& file, const std::string& why) {
  throw Error(Errc::Internal, "Cannot continue the audit log " + file.string() + ": " + why,
              kCheckHint);
}

// The bytes of the last line, without its newline. The file is not empty.
std::string readLastLine(int fd, std::uint64_t size, const std::filesystem::path& file) {
  std::string line;
  std::uint64_t end = size - 1;  // skip the final newline
  char chunk[4096];
  while (end > 0) {
    const std::uint64_t length = std::min<std::uint64_t>(sizeof chunk, end);
    const ssize_t n = pread(fd, chunk, length, static_cast<off_t>(end - length));
    if (n != static_cast<ssize_t>(length)) fileError(file, "Cannot read", n < 0 ? errno : EIO);
    const std::string_view read(chunk, length);
    const auto newline = read.rfind('\n');
    if (newline != std::string_view::npos) {
      line.insert(0, read.substr(newline + 1));
      return line;
    }
    line.insert(0, read);
    if (line.size() > kMaxLineBytes)
      brokenLog(file, "its last line is too long to be an audit line");
    end -= length;
  }
  return line;
}

}  // namespace

std::unique_ptr<AuditLog> AuditLog::open(const std::filesystem::path& file) {
  // O_RDWR only to read the last line back; every write goes to the end.
  const int fd = ::open(file.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) fileError(file, "Cannot open", errno);
  try {
    // Two writers would fork the chain: the second one is refused.
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
      if (errno != EWOULDBLOCK) fileError(file, "Cannot lock", errno);
      throw Error(Errc::Internal,
                  "The audit log " + file.string() + " is in use by another process",
                  "Only one hcbridged may write an audit log; stop the other one or give this "
                  "one another file.");
    }
    struct stat info {};
    if (fstat(fd, &info) != 0) fileError(file, "Cannot examine", errno);
    if (!S_ISREG(info.st_mode)) brokenLog(file, "it is not a regular file");
    if ((info.st_mode & 07777) != 0600 && fchmod(fd, 0600) != 0) {
      fileError(file, "Cannot make private (mode 0600)", errno);
    }
    const auto size = static_cast<std::uint64_t>(info.st_size);
    if (size == 0) {
      return std::unique_ptr<AuditLog>(
          new AuditLog(file, fd, 0, 0, std::string(audit::kNoPreviousLine)));
    }
    char lastByte = 0;
    if (pread(fd, &lastByte, 1, static_cast<off_t>(size - 1)) != 1) {
      fileError(file, "Cannot read", errno);
    }
    if (lastByte != '\n') brokenLog(file, "its last line is incomplete (no newline at the end)");
    const std::string lastLine = readLastLine(fd, size, file);
    std::string reason;
    const auto link = audit::parseLine(lastLine, reason);
    if (!link) brokenLog(file, "its last line is not an audit line: " + reason);
    return std::unique_ptr<AuditLog>(
        new AuditLog(file, fd, size, link->seq, audit::sha256Hex(lastLine)));
  } catch (...) {
    ::close(fd);
    throw;
  }
}

AuditLog::AuditLog(std::filesystem::path path, int fd, std::uint64_t size, std::uint64_t lastSeq,
                   std::string lastLineHash)
    : path_(std::move(path)),
      fd_(fd),
      size_(size),
      lastSeq_(lastSeq),
      lastLineHash_(std::move(lastLineHash)) {}

AuditLog::~AuditLog() {
  ::close(fd_);
}

void AuditLog::append(const AuditRecord& record) {
  std::lock_guard lock(mutex_);
  std::string line = audit::formatLine(
      record, base::utcMillisText(std::chrono::system_clock::now()), lastSeq_ + 1, lastLineHash_);
  std::string lineHash = audit::sha256Hex(line);
  line.push_back('\n');

  // One write() per line: with O_APPEND the line lands whole at the end.
  ssize_t written;
  do {
    written = ::write(fd_, line.data(), line.size());
  } while (written < 0 && errno == EINTR);
  if (written != static_cast<ssize_t>(line.size())) {
    const int error = written < 0 ? errno : ENOSPC;
    // A partial line would break the chain for every later line: undo it.
    if (written > 0 && ftruncate(fd_, static_cast<off_t>(size_)) != 0) {
      fileError(path_, "Cannot undo a partial write to", errno);
    }
    fileError(path_, "Cannot write to", error);
  }
  size_ += line.size();
  ++lastSeq_;
  lastLineHash_ = std::move(lineHash);
  if (fsync(fd_) != 0) fileError(path_, "Cannot flush", errno);
}

}  // namespace hcbridge
