// `hcbridge browser-policy`: the managed browser policies that pre-grant
// Local Network Access (Chrome 142+, Firefox 153+) to the https origins of
// allowed_origins, planned without touching anything, then applied.
#pragma once

#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "policy_record.hpp"

namespace hcbridge::cli {

enum class Browser { Chromium, Chrome, Edge, Firefox };

std::string_view browserName(Browser browser);  // "chromium", "chrome", "edge", "firefox"
// "chromium", "chrome", "edge", "firefox" or "all"; Error(BadRequest) otherwise.
std::vector<Browser> parseBrowsers(std::string_view name);
// The policy file on the target system, e.g. /etc/opt/chrome/policies/managed/hcbridge.json.
std::filesystem::path policyFile(Browser browser);
// Folders of which one exists when the browser is installed (/etc/opt/chrome, ...).
std::vector<std::filesystem::path> installedMarkers(Browser browser);

struct OriginSelection {
  std::vector<std::string> https;      // get a policy
  std::vector<std::string> loopback;   // http or https: browsers do not check loopback pages
  std::vector<std::string> plainHttp;  // can never be granted (warned)
};
// localNames: host names that lead to this machine (localHostNames); their
// origins count as loopback.
OriginSelection selectOrigins(const std::vector<std::string>& allowedOrigins,
                              const std::set<std::string>& localNames = {});

// {"LoopbackNetworkAllowedForUrls": [...], "LocalNetworkAccessAllowedForUrls": [...]}:
// Chromium 146+ reads the first, older versions the second.
std::string chromiumPolicyText(const std::vector<std::string>& httpsOrigins);

struct PolicyChange {
  Browser browser;
  std::filesystem::path file;          // on the target system (without --root)
  std::optional<std::string> current;  // nullopt: absent
  std::optional<std::string> wanted;   // nullopt: must be absent
  // The same JSON (layout aside), or both absent: what `hcbridge doctor` calls current.
  bool upToDate() const;
};

enum class PolicyAction { Write, Remove };

struct PolicyPlan {
  std::vector<PolicyChange> changes;  // one per browser, in the order asked
  PolicyRecord record;                // what is ours once applied
  // --remove: the folders we once created for the removed files (removed when empty).
  std::vector<std::filesystem::path> foldersToRemove;
};

// Reads the policy files and the record under `root`; writes nothing.
// `configFile` names the config in errors.
PolicyPlan planPolicies(PolicyAction action, const std::vector<Browser>& browsers,
                        const std::vector<std::string>& httpsOrigins,
                        const std::filesystem::path& configFile, const std::filesystem::path& root);

// Checks every folder first (Error naming it, nothing written), then writes
// or removes each changed file atomically and saves the record. Returns one
// line per file: "wrote F", "removed F", "unchanged F".
std::vector<std::string> applyPolicies(PolicyPlan plan, const std::filesystem::path& root);

}  // namespace hcbridge::cli
