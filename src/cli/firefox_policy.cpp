#include "firefox_policy.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "config_location.hpp"
#include "hcbridge/base/json_object.hpp"
#include "hcbridge/error.hpp"

namespace hcbridge::cli {
namespace {

// Keeps the order of the keys IT staff wrote.
using Json = nlohmann::ordered_json;

bool has(const std::vector<std::string>& list, const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

std::string hintFor(const std::filesystem::path& file) {
  return "Fix " + file.string() +
         " (Firefox ignores a broken file too), then run `sudo hcbridge browser-policy --write`. "
         "It was left untouched.";
}

// Deeper than any real policies.json: parsing, copying and writing such a
// document recurses, so deeper ones are refused before they cost the stack.
constexpr int kMaxPolicyDepth = 64;

Json parse(const std::string& text, const std::filesystem::path& file) {
  const base::JsonLocator locator = [&](const base::JsonFault& fault) {
    switch (fault.kind) {
      case base::JsonFaultKind::TooDeep:
        return Error(Errc::Internal,
                     file.string() + ": nested deeper than " + std::to_string(fault.maxDepth) +
                         " levels, which no Firefox policy needs",
                     hintFor(file));
      case base::JsonFaultKind::NumberOutOfRange:  // e.g. 1e400: no line is known
        return Error(Errc::Internal, file.string() + ": " + daemon::jsonErrorReason(fault.reason),
                     hintFor(file));
      default:
        return Error(Errc::Internal,
                     file.string() + " line " +
                         std::to_string(daemon::lineAtByte(text, fault.byte)) + ": " +
                         daemon::jsonErrorReason(fault.reason),
                     hintFor(file));
    }
  };
  return base::parseStrictOrderedJson(text, {.maxDepth = kMaxPolicyDepth}, locator);
}

// `parent[key]`, which must be an object when present; created when absent.
Json& objectAt(Json& parent, const std::string& key, const std::string& name,
               const std::filesystem::path& file) {
  if (parent.contains(key) && !parent[key].is_object()) {
    throw Error(Errc::Internal, file.string() + ": " + name + " is not a JSON object",
                hintFor(file));
  }
  return parent[key];
}

}  // namespace

std::vector<std::string> firefoxSkipDomains(const std::vector<std::string>& httpsOrigins,
                                            const std::filesystem::path& configFile) {
  std::vector<std::string> hosts;
  for (const auto& origin : httpsOrigins) {
    std::string host = origin.substr(origin.find("://") + 3);
    if (host.starts_with("[")) {
      throw Error(Errc::OriginInvalid,
                  "config " + configFile.string() + ": allowed_origins entry '" + origin +
                      "' cannot be expressed as a Firefox policy: LocalNetworkAccess.SkipDomains "
                      "lists host names, not IPv6 addresses",
                  "Serve the web application under a host name and allow https://NAME, or leave "
                  "Firefox out: --browser chromium, chrome or edge.");
    }
    host = host.substr(0, host.rfind(':') == std::string::npos ? host.size() : host.rfind(':'));
    if (!has(hosts, host)) hosts.push_back(host);
  }
  return hosts;
}

FirefoxMerge mergeFirefoxPolicies(const std::optional<std::string>& existing,
                                  const std::filesystem::path& file,
                                  const std::vector<std::string>& previouslyOurs,
                                  const std::vector<std::string>& wanted, bool createdByUs) {
  Json document = existing ? parse(*existing, file) : Json::object();
  if (!document.is_object()) {
    throw Error(Errc::Internal, file.string() + ": the top level is not a JSON object",
                hintFor(file));
  }
  Json& policies = objectAt(document, "policies", "\"policies\"", file);
  if (policies.is_null()) policies = Json::object();
  Json& access = objectAt(policies, "LocalNetworkAccess", "policies.LocalNetworkAccess", file);
  std::vector<std::string> present;
  if (!access.is_null() && access.contains("SkipDomains")) {
    try {
      present = access["SkipDomains"].get<std::vector<std::string>>();
    } catch (const Json::exception&) {
      throw Error(
          Errc::Internal,
          file.string() + ": policies.LocalNetworkAccess.SkipDomains is not a list of host names",
          hintFor(file));
    }
  }

  FirefoxMerge result;
  std::vector<std::string> domains;
  bool removedOurs = false;
  for (const auto& entry : present) {
    if (has(previouslyOurs, entry) && !has(wanted, entry)) {
      removedOurs = true;
    } else if (!has(domains, entry)) {
      domains.push_back(entry);
    }
  }
  for (const auto& host : wanted) {
    // An entry someone else put there before us stays theirs.
    if (has(previouslyOurs, host) || !has(present, host)) result.ours.push_back(host);
    if (!has(domains, host)) domains.push_back(host);
  }

  if (!existing && domains.empty()) return result;  // nothing to write, nothing to delete
  if (existing && domains == present) {             // nothing changes: IT staff's layout stays
    result.text = existing;
    return result;
  }
  if (!domains.empty()) {
    if (access.is_null()) access = Json::object();
    access["SkipDomains"] = domains;
  } else if (removedOurs) {
    access.erase("SkipDomains");
  }
  // Last use of `access`: erasing from `policies` invalidates it. A null one
  // is the placeholder objectAt made.
  if (access.is_null() || (removedOurs && access.empty())) policies.erase("LocalNetworkAccess");
  const bool onlyEmptyPolicies = document.size() == 1 && policies.empty();
  if (createdByUs && onlyEmptyPolicies) return result;
  result.text = document.dump(2) + "\n";
  return result;
}

}  // namespace hcbridge::cli
