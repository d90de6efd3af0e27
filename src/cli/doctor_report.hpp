// `hcbridge doctor`'s findings: one line per check with OK, WARN or FAIL and
// the fix, as text for IT staff or JSON for fleet tools.
#pragma once

#include <iosfwd>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace hcbridge::cli {

enum class CheckStatus { Ok, Warn, Fail };

struct CheckResult {
  std::string check;  // "pcscd", "port", ... (stable: fleet tools key on it)
  CheckStatus status = CheckStatus::Ok;
  std::string message;   // what was found, naming files, processes, readers
  std::string fix = {};  // what to do; empty for OK
};

std::string_view statusWord(CheckStatus status);  // "OK", "WARN", "FAIL"

void printReport(std::ostream& out, const std::vector<CheckResult>& results);
// {"ok": bool, "checks": [{"check", "status", "message", "fix"}...]}
nlohmann::json reportJson(const std::vector<CheckResult>& results);
// 1 when any check failed, else 0 (warnings do not fail the doctor).
int reportExitCode(const std::vector<CheckResult>& results);

}  // namespace hcbridge::cli
