// One audit line: how it is written and what a well-formed one holds.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "hcbridge/audit_log.hpp"

namespace hcbridge::audit {

// The line's JSON, without its newline.
std::string formatLine(const AuditRecord& record, std::string_view time, std::uint64_t seq,
                       std::string_view prev);

// What the chain needs from a line.
struct ChainLink {
  std::uint64_t seq = 0;
  std::string prev;
};

// The line's chain fields when it is a well-formed audit line; otherwise
// nullopt and `reason` says what is wrong with it.
std::optional<ChainLink> parseLine(std::string_view line, std::string& reason);

}  // namespace hcbridge::audit
