// The patient's view of the audit log: the lines about one card, found by
// the card's serial hash (the log holds no identity), newest last.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hcbridge {

struct AuditAccess {
  std::uint64_t seq = 0;
  std::string time;                          // RFC 3339 UTC
  std::string action;                        // e.g. "patient-card.read", "record-access"
  std::string caller;                        // "origin https://…" or "app NAME"
  std::optional<std::string> practitioner;   // who held the session
  std::vector<std::string> fields;           // names of the fields returned, never values
  std::string outcome;                       // "ok" or an error id
  std::optional<std::string> purpose;        // details.purpose (record access, tokens)
  std::optional<std::string> justification;  // details.justification (emergencies)
};

// How many accesses a listing returns at most: the newest ones.
inline constexpr std::size_t kMaxCardAccesses = 500;

// The last `limit` lines of `log` whose cardSerialHash is `cardSerialHash`,
// oldest first. Reads only complete lines, so a service appending meanwhile
// does no harm; lines that are not audit lines are skipped (`hcbridge audit
// verify` is the integrity check). An empty hash matches nothing. Throws
// Error(Internal) naming the file when it cannot be read.
std::vector<AuditAccess> findCardAccesses(const std::filesystem::path& log,
                                          std::string_view cardSerialHash,
                                          std::size_t limit = kMaxCardAccesses);

// The same over the first `bytes` bytes of the file only.
std::vector<AuditAccess> findCardAccesses(const std::filesystem::path& log,
                                          std::string_view cardSerialHash, std::size_t limit,
                                          std::uint64_t bytes);

}  // namespace hcbridge
