// Firefox's part of `hcbridge browser-policy`: the host names in
// policies.LocalNetworkAccess.SkipDomains of /etc/firefox/policies/policies.json,
// merged into whatever else the file holds. Kept apart because what Firefox
// matches SkipDomains against is still being verified.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace hcbridge::cli {

inline constexpr const char* kFirefoxPolicyFile = "/etc/firefox/policies/policies.json";

// The SkipDomains entries for `httpsOrigins`: their host names, without
// scheme and port ("https://dmp.example.fr:8443" -> "dmp.example.fr"), each
// once. Error(OriginInvalid) naming `configFile` for an origin whose host is
// an IPv6 address (SkipDomains lists names).
std::vector<std::string> firefoxSkipDomains(const std::vector<std::string>& httpsOrigins,
                                            const std::filesystem::path& configFile);

struct FirefoxMerge {
  std::optional<std::string> text;  // the new file; nullopt: delete it
  std::vector<std::string> ours;    // the SkipDomains entries that are ours afterwards
};

// `existing`: the file's text (nullopt: absent); `file` names it in errors.
// `previouslyOurs`: the entries we added before. Entries of ours that are not
// `wanted` go, `wanted` ones are added; every other policy and entry stays
// (an entry that was there before us stays when we no longer want it).
// Nothing else is set. When the file was `createdByUs` and nothing but an
// empty "policies" remains, text is nullopt. Error(Internal) naming the
// file and line when it does not parse, or its policies have the wrong shape.
FirefoxMerge mergeFirefoxPolicies(const std::optional<std::string>& existing,
                                  const std::filesystem::path& file,
                                  const std::vector<std::string>& previouslyOurs,
                                  const std::vector<std::string>& wanted, bool createdByUs);

}  // namespace hcbridge::cli
