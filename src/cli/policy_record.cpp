#include "policy_record.hpp"

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
