// Making audit logs to check, and taking them apart line by line.
#pragma once

#include <string>
#include <vector>

#include "hcbridge/audit_log.hpp"

namespace hcbridge::testing {

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
  auto log = AuditLog::open(file);
  for (int i = 1; i <= count; ++i) log->append(sampleRecord(i));
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
