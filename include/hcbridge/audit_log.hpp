// The audit log: one JSON line per access to patient data, per practitioner
// session opening and per token or assertion issued. Each line carries its position ("seq") and the
// SHA-256 of the line before it ("prev"), so an edited, deleted, inserted or reordered line breaks
// the chain and `verifyAuditLog` names it. The format is described in docs/architecture.md ("Audit
// log").
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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

class AuditLog {
 public:
  // Opens (or creates, mode 0600) the log for appending and continues its
  // chain from the last line. The parent folder must exist. Throws
  // Error(Internal) naming the file when it cannot be opened, when another
  // process has it open for writing, or when its last line is not a complete
  // audit line (check it with `hcbridge audit verify`).
  static std::unique_ptr<AuditLog> open(const std::filesystem::path& file);

  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  // Writes one line with a single write() and fsyncs it. Thread-safe.
  // Throws Error(Internal) naming the file when the line cannot be written;
  // the file is then left as it was before the call.
  void append(const AuditRecord& record);

  const std::filesystem::path& path() const noexcept { return path_; }

 private:
  AuditLog(std::filesystem::path path, int fd, std::uint64_t size, std::uint64_t lastSeq,
           std::string lastLineHash);

  std::filesystem::path path_;
  std::mutex mutex_;
  int fd_;
  std::uint64_t size_;        // bytes in the file, to undo a partial write
  std::uint64_t lastSeq_;     // seq of the last line, 0 for an empty file
  std::string lastLineHash_;  // hex SHA-256 of the last line, or 64 zeros
};

struct AuditVerifyResult {
  bool ok = false;
  std::size_t lines = 0;            // lines in the file
  std::size_t firstBrokenLine = 0;  // 1-based; 0 when ok
  std::string reason;               // why that line is broken; empty when ok
};

// Checks every line: a JSON object with the audit fields, numbered in order,
// whose "prev" is the hash of the line before. Throws Error(Internal) naming
// the file only when it cannot be read. The newest line is covered by the
// chain only once a line follows it.
AuditVerifyResult verifyAuditLog(const std::filesystem::path& file);

// The same check on the log's bytes.
AuditVerifyResult verifyAuditLogContent(std::string_view content);

}  // namespace hcbridge
