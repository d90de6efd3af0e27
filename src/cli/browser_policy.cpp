#include "browser_policy.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "firefox_policy.hpp"
#include "hcbridge/error.hpp"
#include "origin_reach.hpp"
#include "policy_files.hpp"

namespace hcbridge::cli {
namespace {

namespace fs = std::filesystem;

constexpr const char* kChromiumFileName = "hcbridge.json";

bool isChromiumFamily(Browser browser) {
  return browser != Browser::Firefox;
}

std::size_t depth(const fs::path& path) {
  return static_cast<std::size_t>(std::distance(path.begin(), path.end()));
}

// The folder as it is on the target system: --root stripped.
fs::path targetPath(const fs::path& root, const fs::path& real) {
  return fs::path("/") / real.lexically_relative(root);
}

PolicyChange planChromium(PolicyAction action, Browser browser,
                          const std::vector<std::string>& httpsOrigins, const fs::path& root,
                          PolicyRecord& record, PolicyPlan& plan) {
  PolicyChange change{browser, policyFile(browser),
                      readPolicyFile(underRoot(root, policyFile(browser))), std::nullopt};
  const std::string key = change.file.string();
  // The file is ours by its name; the record keeps only the folders we made for it.
  if (action == PolicyAction::Write && !httpsOrigins.empty()) {
    change.wanted = chromiumPolicyText(httpsOrigins);
  } else if (action == PolicyAction::Remove && record.files.contains(key)) {
    for (const auto& folder : record.files[key].createdFolders)
      plan.foldersToRemove.push_back(folder);
    record.files.erase(key);
  }
  return change;
}

// Firefox on Linux reads /etc/firefox/policies/policies.json when it exists
// and then ignores the installation's distribution/policies.json: creating
// the /etc file would silently switch off IT's policies kept there.
void refuseToShadowDistributionPolicies(const fs::path& root) {
  for (const char* installation : {"/usr/lib/firefox-esr", "/usr/lib/firefox"}) {
    const fs::path distribution =
        underRoot(root, fs::path(installation) / "distribution/policies.json");
    std::error_code error;
    if (!fs::exists(distribution, error)) continue;
    throw Error(Errc::Internal,
                "Firefox's policies are in " + distribution.string() + "; writing " +
                    kFirefoxPolicyFile + " would make Firefox ignore them",
                "Move that file to " + std::string(kFirefoxPolicyFile) +
                    " (Firefox reads the /etc one first), then run `sudo hcbridge browser-policy "
                    "--write` again; or leave Firefox out: --browser chromium, chrome or edge. "
                    "Nothing was written.");
  }
}

PolicyChange planFirefox(PolicyAction action, const std::vector<std::string>& httpsOrigins,
                         const fs::path& configFile, const fs::path& root, PolicyRecord& record,
                         PolicyPlan& plan) {
  const fs::path file = kFirefoxPolicyFile;
  PolicyChange change{Browser::Firefox, file, readPolicyFile(underRoot(root, file)), std::nullopt};
  if (action == PolicyAction::Write && !change.current && !httpsOrigins.empty()) {
    refuseToShadowDistributionPolicies(root);
  }
  const std::string key = file.string();
  const bool recorded = record.files.contains(key);
  PolicyFileRecord entry = recorded ? record.files[key] : PolicyFileRecord{};
  const std::vector<std::string> wanted = action == PolicyAction::Write
                                              ? firefoxSkipDomains(httpsOrigins, configFile)
                                              : std::vector<std::string>{};
  const bool createdByUs = entry.createdFile || !change.current;
  const FirefoxMerge merge = mergeFirefoxPolicies(change.current, underRoot(root, file),
                                                  entry.skipDomains, wanted, createdByUs);
  change.wanted = merge.text;
  entry.skipDomains = merge.ours;
  entry.createdFile = createdByUs && merge.text.has_value();
  if (action == PolicyAction::Remove) {
    for (const auto& folder : entry.createdFolders) plan.foldersToRemove.push_back(folder);
    record.files.erase(key);
  } else if (entry.skipDomains.empty() && entry.createdFolders.empty() && !entry.createdFile) {
    record.files.erase(key);
  } else {
    record.files[key] = entry;
  }
  return change;
}

}  // namespace

std::string_view browserName(Browser browser) {
  switch (browser) {
    case Browser::Chromium:
      return "chromium";
    case Browser::Chrome:
      return "chrome";
    case Browser::Edge:
      return "edge";
    case Browser::Firefox:
      return "firefox";
  }
  return "firefox";
}

std::vector<Browser> parseBrowsers(std::string_view name) {
  const std::vector<Browser> all = {Browser::Chromium, Browser::Chrome, Browser::Edge,
                                    Browser::Firefox};
  if (name == "all") return all;
  for (const Browser browser : all) {
    if (browserName(browser) == name) return {browser};
  }
  throw Error(Errc::BadRequest, "Unknown browser '" + std::string(name) + "'",
              "--browser takes chromium, chrome, edge, firefox or all (the default).");
}

fs::path policyFile(Browser browser) {
  switch (browser) {
    case Browser::Chromium:
      return fs::path("/etc/chromium/policies/managed") / kChromiumFileName;
    case Browser::Chrome:
      return fs::path("/etc/opt/chrome/policies/managed") / kChromiumFileName;
    case Browser::Edge:
      return fs::path("/etc/opt/edge/policies/managed") / kChromiumFileName;
    case Browser::Firefox:
      return kFirefoxPolicyFile;
  }
  return kFirefoxPolicyFile;
}

std::vector<fs::path> installedMarkers(Browser browser) {
  switch (browser) {
    case Browser::Chromium:
      return {"/etc/chromium"};
    case Browser::Chrome:
      return {"/etc/opt/chrome"};
    case Browser::Edge:
      return {"/etc/opt/edge"};
    case Browser::Firefox:
      return {"/etc/firefox", "/etc/firefox-esr", "/usr/lib/firefox-esr", "/usr/lib/firefox"};
  }
  return {};
}

OriginSelection selectOrigins(const std::vector<std::string>& allowedOrigins,
                              const std::set<std::string>& localNames) {
  OriginSelection selection;
  for (const auto& origin : allowedOrigins) {
    if (daemon::isLoopbackOrigin(origin) || localNames.contains(daemon::originHost(origin))) {
      selection.loopback.push_back(origin);
    } else if (origin.starts_with("https://")) {
      selection.https.push_back(origin);
    } else {
      selection.plainHttp.push_back(origin);
    }
  }
  return selection;
}

std::string chromiumPolicyText(const std::vector<std::string>& httpsOrigins) {
  nlohmann::ordered_json policy;
  policy["LoopbackNetworkAllowedForUrls"] = httpsOrigins;
  policy["LocalNetworkAccessAllowedForUrls"] = httpsOrigins;
  return policy.dump(2) + "\n";
}

bool PolicyChange::upToDate() const {
  if (!current || !wanted) return current == wanted;
  const auto now = nlohmann::json::parse(*current, nullptr, false);
  const auto then = nlohmann::json::parse(*wanted, nullptr, false);
  if (now.is_discarded() || then.is_discarded()) return current == wanted;
  return now == then;
}

PolicyPlan planPolicies(PolicyAction action, const std::vector<Browser>& browsers,
                        const std::vector<std::string>& httpsOrigins, const fs::path& configFile,
                        const fs::path& root) {
  PolicyPlan plan;
  plan.record = loadPolicyRecord(root);
  for (const Browser browser : browsers) {
    plan.changes.push_back(
        isChromiumFamily(browser)
            ? planChromium(action, browser, httpsOrigins, root, plan.record, plan)
            : planFirefox(action, httpsOrigins, configFile, root, plan.record, plan));
  }
  return plan;
}

std::vector<std::string> applyPolicies(PolicyPlan plan, const fs::path& root) {
  const fs::path recordFile = underRoot(root, kPolicyRecordFile);
  for (const auto& change : plan.changes) {
    if (change.current != change.wanted)
      checkFolderWritable(underRoot(root, change.file).parent_path());
  }
  checkFolderWritable(recordFile.parent_path());

  // Before any shared file changes, the record lists old and new entries:
  // a run stopped half-way leaves nothing of ours that a later --remove
  // would take for someone else's.
  const PolicyRecord during = unionOf(loadPolicyRecord(root), plan.record);
  if (!during.files.empty() && readPolicyFile(recordFile) != policyRecordText(during)) {
    createFolders(recordFile.parent_path());
    replaceFileAtomically(recordFile, policyRecordText(during));
  }

  std::vector<std::string> lines;
  for (const auto& change : plan.changes) {
    const fs::path file = underRoot(root, change.file);
    if (change.current == change.wanted) {
      if (change.current) lines.push_back("unchanged " + file.string());
      continue;
    }
    if (change.wanted) {
      for (const auto& folder : createFolders(file.parent_path())) {
        plan.record.files[change.file.string()].createdFolders.push_back(
            targetPath(root, folder).string());
      }
      replaceFileAtomically(file, *change.wanted);
      lines.push_back("wrote " + file.string());
    } else {
      removeFile(file);
      lines.push_back("removed " + file.string());
    }
  }
  // Deepest first, across files: /etc/opt goes only once chrome's and edge's are gone.
  std::vector<fs::path> folders;
  for (const auto& folder : plan.foldersToRemove) folders.push_back(underRoot(root, folder));
  std::stable_sort(folders.begin(), folders.end(),
                   [](const fs::path& a, const fs::path& b) { return depth(a) < depth(b); });
  for (const auto& folder : removeEmptyFolders(folders)) {
    lines.push_back("removed folder " + folder.string());
  }

  const std::optional<std::string> recordNow = readPolicyFile(recordFile);
  if (plan.record.files.empty()) {
    if (recordNow) removeFile(recordFile);  // PolicyLock removes the empty folder
  } else if (recordNow != policyRecordText(plan.record)) {
    createFolders(recordFile.parent_path());
    replaceFileAtomically(recordFile, policyRecordText(plan.record));
  }
  return lines;
}

}  // namespace hcbridge::cli
