// One audit line: how it is written and what a well-formed one holds.
//
// A keyed line ends with the member "mac": HMAC-SHA-256 (audit key) of the
// line's bytes without that member, i.e. of everything before `,"mac":"…"`
// followed by `}`. Its "prev" is the previous line's head (below). An
// unkeyed line (the format before the audit key) has no "mac".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "hcbridge/audit_key.hpp"
#include "hcbridge/audit_log.hpp"

namespace hcbridge::audit {

// The line's JSON, without its newline; keyed when `key` is given.
std::string formatLine(const AuditRecord& record, std::string_view time, std::uint64_t seq,
                       std::string_view prev, const AuditKey* key);

// The MAC of a line formatLine made with a key (its last 64 hex digits
// before `"}`), without parsing it again.
std::string_view macOfFormattedLine(std::string_view line);

// What the chain needs from a line.
struct ChainLink {
  std::uint64_t seq = 0;
  std::string prev;
  std::optional<std::string> mac;  // keyed lines only
};

// The line's chain fields when it is a well-formed audit line; otherwise
// nullopt and `reason` says what is wrong with it.
std::optional<ChainLink> parseLine(std::string_view line, std::string& reason);

// What the next line's "prev" carries: a keyed line's MAC, or the SHA-256 of
// an unkeyed line's bytes.
std::string headOf(std::string_view line, const ChainLink& link);

// Whether a keyed line's MAC is the key's MAC of its bytes.
bool macVerifies(std::string_view line, const ChainLink& link, const AuditKey& key);

}  // namespace hcbridge::audit
