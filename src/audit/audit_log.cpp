#include "hcbridge/audit_log.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "audit_line.hpp"
#include "group_commit.hpp"
#include "hcbridge/base/utc_time.hpp"
#include "hcbridge/error.hpp"
#include "sha256_hex.hpp"

namespace hcbridge {
namespace {

// Audit lines are a few hundred bytes; anything longer at the end of the file
// is not one of ours.
constexpr std::size_t kMaxLineBytes = 1 << 20;

// Lines per group commit at most: bounds one write() (a few hundred KiB).
constexpr std::size_t kMaxBatchLines = 512;

const char* const kCheckHint =
    "Check it with 'sudo hcbridge audit verify FILE'. To start a new log, move the file aside "
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

[[noreturn]] void keyMismatch(const std::filesystem::path& file) {
  throw Error(Errc::AuditKeyMismatch,
              "The audit log " + file.string() +
                  " was written with another audit key: its last line's MAC does not verify",
              "Restore the audit key that wrote it (\"audit_key_file\" in the config), or move "
              "the log aside (keep it: it is evidence, verified with its own key) and restart "
              "hcbridged to begin a new log.");
}

// Appends one checkpoint line to the configured file; the fd is opened per
// checkpoint, rarely enough, so the file may be rotated away.
void appendCheckpointFile(const std::filesystem::path& file, const std::string& line) {
  const auto fail = [&file](int error) {
    throw Error(
        Errc::Internal,
        "Cannot write the audit checkpoint file " + file.string() + ": " + std::strerror(error),
        "Check \"audit_checkpoint_file\" in the config: its folder must exist and be "
        "writable by the service user (keep it outside the audit log's folder, e.g. "
        "/var/lib/hcbridge/audit.checkpoints).");
  };
  const int fd = ::open(file.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) fail(errno);
  const ssize_t written = ::write(fd, line.data(), line.size());
  const int error = written < 0 ? errno : EIO;
  const bool synced = fsync(fd) == 0;
  ::close(fd);
  if (written != static_cast<ssize_t>(line.size()) || !synced) fail(error);
}

}  // namespace

std::unique_ptr<AuditLog> AuditLog::open(const std::filesystem::path& file, AuditKey key,
                                         AuditLogOptions options) {
  // O_RDWR only to read the last line back; every write goes to the end.
  const int fd = ::open(file.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) fileError(file, "Cannot open", errno);
  std::unique_ptr<AuditLog> log;
  struct stat info {};
  try {
    // Two writers would fork the chain: the second one is refused.
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
      if (errno != EWOULDBLOCK) fileError(file, "Cannot lock", errno);
      throw Error(Errc::Internal,
                  "The audit log " + file.string() + " is in use by another process",
                  "Only one hcbridged may write an audit log; stop the other one or give this "
                  "one another file.");
    }
    if (fstat(fd, &info) != 0) fileError(file, "Cannot examine", errno);
    if (!S_ISREG(info.st_mode)) brokenLog(file, "it is not a regular file");
    if ((info.st_mode & 07777) != 0600 && fchmod(fd, 0600) != 0) {
      fileError(file, "Cannot make private (mode 0600)", errno);
    }
    if (options.checkpointFile) {
      // A checkpoint file that cannot be written is a config error: say so at start.
      appendCheckpointFile(*options.checkpointFile, "");
    }
    log.reset(new AuditLog(file, fd, std::move(key), std::move(options)));
  } catch (...) {
    ::close(fd);
    throw;
  }
  const auto size = static_cast<std::uint64_t>(info.st_size);
  log->size_ = size;
  log->lastHead_ = std::string(audit::kNoPreviousLine);
  if (size > 0) {
    char lastByte = 0;
    if (pread(fd, &lastByte, 1, static_cast<off_t>(size - 1)) != 1) {
      fileError(file, "Cannot read", errno);
    }
    if (lastByte != '\n') brokenLog(file, "its last line is incomplete (no newline at the end)");
    const std::string lastLine = readLastLine(fd, size, file);
    std::string reason;
    const auto link = audit::parseLine(lastLine, reason);
    if (!link) brokenLog(file, "its last line is not an audit line: " + reason);
    // An unkeyed last line is a log from before the key: keyed lines follow it.
    if (link->mac && !audit::macVerifies(lastLine, *link, log->key_)) keyMismatch(file);
    log->lastSeq_ = link->seq;
    log->lastHead_ = audit::headOf(lastLine, *link);
  }
  log->checkpoint();
  return log;
}

AuditLog::AuditLog(std::filesystem::path path, int fd, AuditKey key, AuditLogOptions options)
    : path_(std::move(path)),
      fd_(fd),
      key_(std::move(key)),
      options_(std::move(options)),
      groupCommit_(std::make_unique<audit::GroupCommit>(
          [this](const std::vector<AuditRecord>& records) {
            std::lock_guard lock(mutex_);
            writeLinesLocked(records.data(), records.size());
          },
          kMaxBatchLines, options_.deliverWritten)) {}

AuditLog::~AuditLog() {
  groupCommit_.reset();  // writes what is queued while the file is still open
  ::close(fd_);
}

void AuditLog::append(const AuditRecord& record) {
  std::lock_guard lock(mutex_);
  writeLinesLocked(&record, 1);
}

void AuditLog::appendAsync(AuditRecord record, AuditWritten written) {
  groupCommit_->enqueue(std::move(record), std::move(written));
}

AuditLogStats AuditLog::stats() const noexcept {
  return {linesWritten_.load(), batchesWritten_.load()};
}

void AuditLog::writeLinesLocked(const AuditRecord* records, std::size_t count) {
  // The lines are chained here but the log's state moves only once they are written.
  std::string batch;
  std::uint64_t seq = lastSeq_;
  std::string head = lastHead_;
  const std::string time = base::utcMillisText(std::chrono::system_clock::now());
  for (std::size_t i = 0; i < count; ++i) {
    std::string line = audit::formatLine(records[i], time, ++seq, head, &key_);
    head = std::string(audit::macOfFormattedLine(line));
    batch += line;
    batch.push_back('\n');
  }

  // One write() per batch: with O_APPEND the lines land whole at the end.
  ssize_t written;
  do {
    written = ::write(fd_, batch.data(), batch.size());
  } while (written < 0 && errno == EINTR);
  if (written != static_cast<ssize_t>(batch.size())) {
    const int error = written < 0 ? errno : ENOSPC;
    // A partial line would break the chain for every later line: undo it.
    if (written > 0 && ftruncate(fd_, static_cast<off_t>(size_)) != 0) {
      fileError(path_, "Cannot undo a partial write to", errno);
    }
    fileError(path_, "Cannot write to", error);
  }
  const std::uint64_t checkpointsBefore =
      options_.checkpointEvery == 0 ? 0 : lastSeq_ / options_.checkpointEvery;
  size_ += batch.size();
  lastSeq_ = seq;
  lastHead_ = std::move(head);
  if (fsync(fd_) != 0) fileError(path_, "Cannot flush", errno);
  linesWritten_ += count;
  ++batchesWritten_;
  // A checkpoint whenever the batch crossed a multiple of checkpointEvery.
  if (options_.checkpointEvery != 0 && lastSeq_ / options_.checkpointEvery != checkpointsBefore) {
    checkpointLocked();
  }
}

void AuditLog::checkpoint() noexcept {
  std::lock_guard lock(mutex_);
  checkpointLocked();
}

void AuditLog::checkpointLocked() noexcept {
  try {
    const std::string text = formatCheckpoint({lastSeq_, lastHead_});
    if (options_.systemLog) options_.systemLog(text + " log=" + path_.string());
    if (options_.checkpointFile) {
      appendCheckpointFile(*options_.checkpointFile,
                           base::utcMillisText(std::chrono::system_clock::now()) + " " + text +
                               " log=" + path_.string() + "\n");
    }
  } catch (const std::exception& error) {
    // The audit line itself is written; a lost checkpoint only weakens the
    // truncation check, so it is reported, not fatal.
    try {
      if (options_.systemLog) options_.systemLog(std::string("audit: ") + error.what());
    } catch (...) {
    }
  }
}

std::vector<AuditAccess> AuditLog::cardAccesses(std::string_view cardSerialHash,
                                                std::size_t limit) const {
  std::uint64_t bytes = 0;
  {
    std::lock_guard lock(mutex_);
    bytes = size_;  // whole lines only: the file's size after the last append
  }
  return findCardAccesses(path_, cardSerialHash, limit, bytes);
}

}  // namespace hcbridge
