// The audit log: one JSON line per access to patient data, per practitioner
// session opening and per token or assertion issued. Each line carries its
// position ("seq"), the previous line's head ("prev") and its own MAC
// (HMAC-SHA-256 with the installation's audit key, "mac"), so an edited,
// deleted, inserted or reordered line, or one written without the key, is
// named by `verifyAuditLog`. Checkpoints (seq and head MAC) written to the
// system log catch lines cut off the end. Logs written before the audit key
// (SHA-256 chain, no "mac") are still read and checked. The format is
// described in docs/architecture.md ("The audit log").
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hcbridge/audit_access.hpp"
#include "hcbridge/audit_key.hpp"

namespace hcbridge {

struct AuditRecord {
  std::string action;                       // what was done, e.g. "patient-card.read"
  std::string caller;                       // "origin https://app.example" or "app NAME"
  std::optional<std::string> practitioner;  // when a practitioner session is open
  std::string cardSerialHash;               // SerialHasher output, never the serial itself
  std::vector<std::string> fields;          // names of the fields returned, never their values
  std::string outcome;                      // "ok" or an error id such as "card-removed"
  // What else identifies the act, e.g. a token's audience, purpose and jti;
  // never health data. Written as a "details" object when not empty.
  std::map<std::string, std::string> details;
};

// The log's state at one line: its seq and its head (the MAC of a keyed line,
// the SHA-256 of an unkeyed one). seq 0 (head 64 zeros) marks a new, empty log.
struct AuditCheckpoint {
  std::uint64_t seq = 0;
  std::string head;
  bool operator==(const AuditCheckpoint&) const = default;
};

// "audit checkpoint seq=N head=HEX": the text the service logs.
std::string formatCheckpoint(const AuditCheckpoint& checkpoint);

// Every checkpoint in `text` (journalctl output, a checkpoint file: anything
// before "audit checkpoint" on a line is ignored), in order. Throws
// Error(BadRequest) naming the line of a checkpoint that is malformed.
std::vector<AuditCheckpoint> parseCheckpoints(std::string_view text);

// "SEQ:HEAD" as given on the command line. Throws Error(BadRequest).
AuditCheckpoint parseCheckpointArgument(std::string_view text);

// Told once whether an asynchronous append's line is durable: nullptr when
// it is written and synced, else the Error that kept it out of the log.
using AuditWritten = std::function<void(std::exception_ptr failure)>;

// How much the log has written, for benchmarks and tests.
struct AuditLogStats {
  std::uint64_t lines = 0;    // lines written since open
  std::uint64_t batches = 0;  // write() + fsync() pairs that wrote them
};

namespace audit {
class GroupCommit;
}

struct AuditLogOptions {
  std::uint64_t checkpointEvery = 100;  // lines between two checkpoints; 0: none
  // Receives each checkpoint's text (the service's log, i.e. the journal).
  std::function<void(const std::string& line)> systemLog;
  // Also appends each checkpoint, with its time, to this file when set
  // (keep it outside the audit log's folder).
  std::optional<std::filesystem::path> checkpointFile;
  // Runs the `written` callbacks of one appendAsync batch, given as one job
  // that calls them in order. Unset: they run on the log's writer thread.
  // The service hands each batch to its network thread in one post: a post
  // per line made the two threads contend for its queue (issue 17).
  std::function<void(std::function<void()> callBatch)> deliverWritten;
};

class AuditLog {
 public:
  // Opens (or creates, mode 0600) the log for appending and continues its
  // chain from the last line, with keyed lines from now on; writes a
  // checkpoint of what it found. The parent folder must exist. Throws
  // Error(Internal) naming the file when it cannot be opened, when another
  // process has it open for writing, or when its last line is not a complete
  // audit line (check it with `hcbridge audit verify`); Error(AuditKeyMismatch)
  // when its last line was written with another key.
  static std::unique_ptr<AuditLog> open(const std::filesystem::path& file, AuditKey key,
                                        AuditLogOptions options = {});

  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  // Writes one line with a single write() and fsyncs it; every
  // `checkpointEvery` lines, a checkpoint. Thread-safe. Throws
  // Error(Internal) naming the file when the line cannot be written; the file
  // is then left as it was before the call.
  void append(const AuditRecord& record);

  // The same without waiting (group commit): the line joins the next batch
  // of the log's writer thread, which writes every line queued meanwhile with
  // one write() and syncs them with one fsync(), then calls each `written`,
  // in the order of the appends, on that thread (or through
  // `deliverWritten`). A batch that cannot be
  // written leaves the file as it was and fails each of its lines. Lines
  // queued when the log is destroyed are written first.
  void appendAsync(AuditRecord record, AuditWritten written);

  AuditLogStats stats() const noexcept;

  // Writes a checkpoint of the newest line now (the service calls it when it
  // stops). Never throws: a failure goes to the system log.
  void checkpoint() noexcept;

  // The lines about one card written so far (findCardAccesses).
  std::vector<AuditAccess> cardAccesses(std::string_view cardSerialHash,
                                        std::size_t limit = kMaxCardAccesses) const;

  const std::filesystem::path& path() const noexcept { return path_; }

 private:
  AuditLog(std::filesystem::path path, int fd, AuditKey key, AuditLogOptions options);
  // One write() and one fsync() for all the records; the chain moves on only
  // when the write succeeded.
  void writeLinesLocked(const AuditRecord* records, std::size_t count);
  void checkpointLocked() noexcept;

  std::filesystem::path path_;
  mutable std::mutex mutex_;
  int fd_;
  AuditKey key_;
  AuditLogOptions options_;
  std::uint64_t size_ = 0;     // bytes in the file, to undo a partial write
  std::uint64_t lastSeq_ = 0;  // seq of the last line, 0 for an empty file
  std::string lastHead_;       // head of the last line, or 64 zeros
  std::atomic<std::uint64_t> linesWritten_{0};
  std::atomic<std::uint64_t> batchesWritten_{0};
  std::unique_ptr<audit::GroupCommit> groupCommit_;  // last: its thread writes through this
};

struct AuditVerifyOptions {
  const AuditKey* key = nullptr;  // needed for keyed lines
  // Compared with the log once its chain is intact. A seq 0 checkpoint (a new
  // log was started) makes the ones before it belong to an earlier log.
  std::vector<AuditCheckpoint> checkpoints;
};

struct AuditVerifyResult {
  bool ok = false;
  std::size_t lines = 0;  // lines in the file
  // 1-based; 0 when ok; lines + 1 when lines were cut off the end.
  std::size_t firstBrokenLine = 0;
  std::string reason;            // why that line is broken; empty when ok
  std::size_t unkeyedLines = 0;  // leading lines in the format before the key
  bool keyNeeded = false;        // a keyed line was met and no key given
  std::size_t checkpointsCompared = 0;
  std::size_t checkpointsOfEarlierLogs = 0;  // before the last seq 0 checkpoint
};

// Checks every line: a JSON object with the audit fields, numbered in order,
// whose "prev" is the head of the line before, whose "mac" verifies with the
// key; unkeyed lines only before keyed ones. Then each checkpoint: a log that
// ends before its seq was cut ("truncated"), one whose head at its seq differs
// was rewritten ("forged"). Throws Error(Internal) naming the file only when
// it cannot be read.
AuditVerifyResult verifyAuditLog(const std::filesystem::path& file,
                                 const AuditVerifyOptions& options = {});

// The same check on the log's bytes.
AuditVerifyResult verifyAuditLogContent(std::string_view content,
                                        const AuditVerifyOptions& options = {});

}  // namespace hcbridge
