#include "doctor_report.hpp"

#include <algorithm>
#include <ostream>

#include "command.hpp"

namespace hcbridge::cli {
namespace {

std::size_t count(const std::vector<CheckResult>& results, CheckStatus status) {
  return static_cast<std::size_t>(std::count_if(
      results.begin(), results.end(), [status](const auto& r) { return r.status == status; }));
}

}  // namespace

std::string_view statusWord(CheckStatus status) {
  switch (status) {
    case CheckStatus::Ok:
      return "OK";
    case CheckStatus::Warn:
      return "WARN";
    case CheckStatus::Fail:
      return "FAIL";
  }
  return "FAIL";
}

void printReport(std::ostream& out, const std::vector<CheckResult>& results) {
  for (const auto& result : results) {
    const std::string_view word = statusWord(result.status);
    out << word << std::string(6 - word.size(), ' ') << result.check
        << std::string(result.check.size() < 9 ? 9 - result.check.size() : 1, ' ') << result.message
        << "\n";
    if (!result.fix.empty()) out << "      fix: " << result.fix << "\n";
  }
  const std::size_t failed = count(results, CheckStatus::Fail);
  const std::size_t warned = count(results, CheckStatus::Warn);
  if (failed == 0 && warned == 0) {
    out << "\nAll " << results.size() << " checks passed.\n";
  } else {
    out << "\n"
        << failed << " failed, " << warned << " warnings, " << results.size() - failed - warned
        << " passed. Fix the first FAIL first: later "
        << "checks often fail because of it.\n";
  }
}

nlohmann::json reportJson(const std::vector<CheckResult>& results) {
  nlohmann::json checks = nlohmann::json::array();
  for (const auto& result : results) {
    checks.push_back({{"check", result.check},
                      {"status", statusWord(result.status)},
                      {"message", result.message},
                      {"fix", result.fix}});
  }
  return {{"ok", count(results, CheckStatus::Fail) == 0}, {"checks", checks}};
}

int reportExitCode(const std::vector<CheckResult>& results) {
  return count(results, CheckStatus::Fail) == 0 ? kExitOk : kExitFailure;
}

}  // namespace hcbridge::cli
