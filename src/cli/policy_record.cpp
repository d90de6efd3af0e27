#include "policy_record.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "hcbridge/error.hpp"
#include "policy_files.hpp"

namespace hcbridge::cli {

using nlohmann::json;

PolicyRecord loadPolicyRecord(const std::filesystem::path& root) {
  const std::filesystem::path file = underRoot(root, kPolicyRecordFile);
  const std::optional<std::string> text = readPolicyFile(file);
  PolicyRecord record;
  if (!text) return record;
  try {
    const json document = json::parse(*text);
    for (const auto& [path, entry] : document.at("files").items()) {
      PolicyFileRecord& fileRecord = record.files[path];
      fileRecord.createdFile = entry.value("created_file", false);
      fileRecord.skipDomains = entry.value("skip_domains", std::vector<std::string>{});
      fileRecord.createdFolders = entry.value("created_folders", std::vector<std::string>{});
    }
  } catch (const json::exception& error) {
    throw Error(Errc::Internal,
                "The record of hcbridge's browser policies " + file.string() +
                    " is malformed: " + error.what(),
                "Delete it and run `sudo hcbridge browser-policy --write` again; SkipDomains "
                "entries it listed stay in Firefox's policies.json, remove them by hand.");
  }
  return record;
}

PolicyLock::PolicyLock(const std::filesystem::path& root)
    : folder_(underRoot(root, kPolicyRecordFile).parent_path()) {
  checkFolderWritable(folder_);
  createFolders(folder_);
  fd_ = ::open(folder_.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd_ < 0 || flock(fd_, LOCK_EX) != 0) {
    const int error = errno;
    if (fd_ >= 0) ::close(fd_);
    throw Error(Errc::Internal, "Cannot lock " + folder_.string() + ": " + std::strerror(error),
                "Run it as root (sudo). Nothing was written.");
  }
}

PolicyLock::~PolicyLock() {
  ::close(fd_);            // releases the lock
  rmdir(folder_.c_str());  // only when empty: no record left
}

PolicyRecord unionOf(const PolicyRecord& a, const PolicyRecord& b) {
  PolicyRecord both = a;
  const auto addMissing = [](std::vector<std::string>& into, const std::vector<std::string>& from) {
    for (const auto& item : from) {
      if (std::find(into.begin(), into.end(), item) == into.end()) into.push_back(item);
    }
  };
  for (const auto& [path, entry] : b.files) {
    PolicyFileRecord& merged = both.files[path];
    merged.createdFile = merged.createdFile || entry.createdFile;
    addMissing(merged.skipDomains, entry.skipDomains);
    addMissing(merged.createdFolders, entry.createdFolders);
  }
  return both;
}

std::string policyRecordText(const PolicyRecord& record) {
  json files = json::object();
  for (const auto& [path, entry] : record.files) {
    files[path] = {{"created_file", entry.createdFile},
                   {"skip_domains", entry.skipDomains},
                   {"created_folders", entry.createdFolders}};
  }
  return json{{"files", files}}.dump(2) + "\n";
}

}  // namespace hcbridge::cli
