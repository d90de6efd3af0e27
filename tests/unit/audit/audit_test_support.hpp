// Making audit logs to check, and taking them apart line by line.
#pragma once

#include <string>
#include <vector>

#include "audit_line.hpp"
#include "hcbridge/audit_log.hpp"
#include "sha256_hex.hpp"

namespace hcbridge::testing {

// A fixed audit key, and another one, for the tests.
inline AuditKey testKey(char fill = 'k') {
  return AuditKey(SecretBytes(std::string(kInstallationKeySize, fill)));
}

inline const AuditKey& sharedTestKey() {
  static const AuditKey key = testKey();
  return key;
}

// Verification with the tests' key.
inline AuditVerifyOptions keyed(std::vector<AuditCheckpoint> checkpoints = {}) {
  return {&sharedTestKey(), std::move(checkpoints)};
}

inline std::unique_ptr<AuditLog> openLog(const std::filesystem::path& file,
                                         AuditLogOptions options = {}) {
  return AuditLog::open(file, testKey(), std::move(options));
}

inline AuditRecord sampleRecord(int number) {
  return {"patient-card.read",
          "origin https://app.example",
          number % 2 ? std::optional<std::string>("practitioner 810000000" + std::to_string(number))
                     : std::nullopt,
          "3f2a9c1b0d4e5f60718293a4b5c6d7e" + std::to_string(number % 10),
          {"holder.name", "insurer"},
          "ok",
          {}};
}

inline void appendRecords(const std::filesystem::path& file, int count) {
  auto log = openLog(file);
  for (int i = 1; i <= count; ++i) log->append(sampleRecord(i));
}

// A log in the format before the audit key (SHA-256 chain, no "mac"), as
// hcbridge 0.x wrote it.
inline std::string unkeyedLog(int count) {
  std::string content;
  std::string prev(audit::kNoPreviousLine);
  for (int i = 1; i <= count; ++i) {
    const std::string line = audit::formatLine(sampleRecord(i), "2024-05-01T10:00:00.000Z",
                                               static_cast<std::uint64_t>(i), prev, nullptr);
    prev = audit::sha256Hex(line);
    content += line + "\n";
  }
  return content;
}

inline std::vector<std::string> splitLines(const std::string& content) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < content.size()) {
    const auto newline = content.find('\n', start);
    lines.push_back(content.substr(start, newline - start));
    if (newline == std::string::npos) break;
    start = newline + 1;
  }
  return lines;
}

inline std::string joinLines(const std::vector<std::string>& lines) {
  std::string content;
  for (const auto& line : lines) content += line + "\n";
  return content;
}

}  // namespace hcbridge::testing
