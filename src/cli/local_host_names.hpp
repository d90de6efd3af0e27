// Host names that lead to this machine on the target system: the names
// /etc/hosts gives to loopback or unspecified addresses (127.0.1.1 mypc,
// ::1 ip6-localhost, 0.0.0.0 blocked.example) and the machine's own name.
// A page served under such a name is loopback to the browser (no policy
// needed), and Firefox's SkipDomains matches the target host too: such a
// name there would let every web site reach this machine's services.
#pragma once

#include <filesystem>
#include <set>
#include <string>

namespace hcbridge::cli {

// Reads `root`/etc/hosts and `root`/etc/hostname, and when `root` is / the
// running machine's name; files that are missing count as empty. Names are
// lower-cased, as browsers send them.
std::set<std::string> localHostNames(const std::filesystem::path& root);

}  // namespace hcbridge::cli
