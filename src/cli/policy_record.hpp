// What `hcbridge browser-policy --write` put into shared files, so that a
// later --write drops entries that are no longer wanted and --remove takes
// out exactly ours: /var/lib/hcbridge-browser-policy/record.json. Root
// writes it and trusts it, so it lives in a root-owned folder, not in the
// service user's /var/lib/hcbridge: a compromised hcbridged must not steer
// what root removes from the browsers' policy files.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace hcbridge::cli {

inline constexpr const char* kPolicyRecordFile = "/var/lib/hcbridge-browser-policy/record.json";

// One policy file, by its path on the target system ("/etc/...", without --root).
struct PolicyFileRecord {
  bool createdFile = false;                 // it did not exist before our first write
  std::vector<std::string> skipDomains;     // Firefox: the SkipDomains entries we added
  std::vector<std::string> createdFolders;  // folders we made for it, parents first
};

struct PolicyRecord {
  std::map<std::string, PolicyFileRecord> files;
};

// One `hcbridge browser-policy --write/--remove` at a time (the package's
// scripts, the path unit and an administrator may overlap): an exclusive
// flock on the record's root-owned folder, made when missing and removed
// again when it is left empty. Error(Internal) when it cannot be taken.
class PolicyLock {
 public:
  explicit PolicyLock(const std::filesystem::path& root);
  ~PolicyLock();
  PolicyLock(const PolicyLock&) = delete;
  PolicyLock& operator=(const PolicyLock&) = delete;

 private:
  std::filesystem::path folder_;
  int fd_ = -1;
};

// Every entry of `a` and of `b`: what the record must list while a change
// from one to the other is under way, so that a run that stops half-way
// leaves no entry of ours unrecorded.
PolicyRecord unionOf(const PolicyRecord& a, const PolicyRecord& b);

// `root`/var/lib/hcbridge-browser-policy/record.json; empty when absent. A file
// that does not parse is Error(Internal) naming it.
PolicyRecord loadPolicyRecord(const std::filesystem::path& root);
std::string policyRecordText(const PolicyRecord& record);

}  // namespace hcbridge::cli
