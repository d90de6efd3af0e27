// The doctor's browser check: for each browser installed here, is the policy
// that pre-grants Local Network Access to the https allowed_origins what
// `hcbridge browser-policy --write` would write now?
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "browser_policy.hpp"
#include "doctor_checks.hpp"
#include "hcbridge/error.hpp"
#include "local_host_names.hpp"
#include "policy_files.hpp"

namespace hcbridge::cli {
namespace {

namespace fs = std::filesystem;

bool installed(Browser browser, const fs::path& root) {
  std::error_code error;
  for (const auto& marker : installedMarkers(browser)) {
    if (fs::exists(underRoot(root, marker), error)) return true;
  }
  return false;
}

std::string list(const std::vector<std::string>& origins) {
  std::string text;
  for (const auto& origin : origins) text += (text.empty() ? "" : ", ") + origin;
  return text;
}

// Other files of a Chromium managed-policy folder that set one of our list
// policies: Chromium does not merge a list policy across files, so one of
// the lists does not apply (chrome://policy shows a conflict).
std::vector<fs::path> rivalPolicyFiles(const fs::path& ourFile) {
  std::vector<fs::path> rivals;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(ourFile.parent_path(), error)) {
    if (entry.path() == ourFile || entry.path().extension() != ".json") continue;
    std::ifstream in(entry.path());
    const auto policy = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
    if (policy.is_object() && (policy.contains("LoopbackNetworkAllowedForUrls") ||
                               policy.contains("LocalNetworkAccessAllowedForUrls"))) {
      rivals.push_back(entry.path());
    }
  }
  std::sort(rivals.begin(), rivals.end());
  return rivals;
}

CheckResult verdict(const PolicyChange& change, const std::vector<std::string>& httpsOrigins,
                    const DoctorContext& context) {
  const std::string check = "browser-policy";
  const std::string where = std::string(browserName(change.browser)) + ": " +
                            underRoot(context.root, change.file).string();
  std::string fix = "sudo hcbridge browser-policy --write";
  if (context.configFile != daemon::kDefaultConfigFile)
    fix += " --config " + context.configFile.string();
  fix += ", then restart the browser";
  if (change.upToDate()) {
    if (!change.wanted) {
      return {check, CheckStatus::Ok,
              std::string(browserName(change.browser)) +
                  ": no https origin in allowed_origins, no policy needed"};
    }
    const fs::path ours = underRoot(context.root, change.file);
    const auto rivals =
        change.browser == Browser::Firefox ? std::vector<fs::path>{} : rivalPolicyFiles(ours);
    if (!rivals.empty()) {
      return {check, CheckStatus::Warn,
              where + " is current, but " + rivals.front().string() +
                  " also sets LoopbackNetworkAllowedForUrls or LocalNetworkAccessAllowedForUrls: "
                  "the browser applies only one of the lists",
              "Put all the origins in one of the two files (keep hcbridge's and add the others "
              "to allowed_origins, or copy hcbridge's origins into the other file), then restart "
              "the browser and check chrome://policy"};
    }
    return {check, CheckStatus::Ok,
            where + " is current (" + std::to_string(httpsOrigins.size()) + " origins)"};
  }
  if (!change.current) {
    return {check, CheckStatus::Warn,
            where + " is missing: the browser asks the user before " + list(httpsOrigins) +
                " may reach hcbridged (Local Network Access)",
            fix};
  }
  return {check, CheckStatus::Warn,
          where + " is stale: it differs from what allowed_origins in " +
              context.configFile.string() + " asks for",
          fix};
}

}  // namespace

std::vector<CheckResult> checkBrowserPolicies(DoctorContext& context) {
  const std::string check = "browser-policy";
  if (context.configBroken)
    return {{check, CheckStatus::Warn, "not checked: the config is broken"}};
  std::vector<Browser> browsers;
  for (const Browser browser : parseBrowsers("all")) {
    if (installed(browser, context.root)) browsers.push_back(browser);
  }
  if (browsers.empty()) {
    return {
        {check, CheckStatus::Ok, "no Chromium, Chrome, Edge or Firefox found: no policy needed"}};
  }
  const OriginSelection origins =
      selectOrigins(context.config ? context.config->allowedOrigins : std::vector<std::string>{},
                    localHostNames(context.root));
  // One browser at a time: a broken policies.json does not hide Chrome's verdict.
  std::vector<CheckResult> results;
  for (const Browser browser : browsers) {
    try {
      const PolicyPlan plan = planPolicies(PolicyAction::Write, {browser}, origins.https,
                                           context.configFile, context.root);
      results.push_back(verdict(plan.changes.at(0), origins.https, context));
    } catch (const Error& error) {
      results.push_back({check, CheckStatus::Warn,
                         std::string(browserName(browser)) + ": " + error.what(), error.hint()});
    }
  }
  return results;
}

}  // namespace hcbridge::cli
