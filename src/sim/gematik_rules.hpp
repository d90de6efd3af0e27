// gematik card images, part 2 of 4: access rules. The accessRules
// expression of an object (CB{ [ACTIVATED,1,{ ({00||b0||??||??},ALW), ...}] })
// turned into the simulator's AccessRule for a command.
#pragma once

#include <array>
#include <vector>

#include "gematik_values.hpp"
#include "hcbridge/sim/profile.hpp"

namespace hcbridge::sim::gematik {

// CLA INS P1 P2 of a command template; -1 = "??".
using CommandPattern = std::array<int, 4>;

struct RuleEntry {
  std::vector<CommandPattern> commands;
  AccessRule condition;
};

// The rule for a command: every entry of the active rule sets whose command
// template matches (-1 in `command` matches any value) allows it; no entry
// means never.
class ObjectRules {
 public:
  explicit ObjectRules(const Attributes& attributes);

  AccessRule ruleFor(const CommandPattern& command) const;

 private:
  std::vector<RuleEntry> entries_;
};

constexpr CommandPattern kReadBinary{0x00, 0xB0, -1, -1};
constexpr CommandPattern kUpdateBinary{0x00, 0xD6, -1, -1};
constexpr CommandPattern kReadRecord{0x00, 0xB2, -1, -1};
constexpr CommandPattern kUpdateRecord{0x00, 0xDC, -1, -1};
constexpr CommandPattern kComputeSignature{0x00, 0x2A, 0x9E, 0x9A};
constexpr CommandPattern kInternalAuthenticate{0x00, 0x88, 0x00, 0x00};

}  // namespace hcbridge::sim::gematik
