#include "local_host_names.hpp"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

#include "origin_reach.hpp"
#include "policy_files.hpp"

namespace hcbridge::cli {
namespace {

std::string lowerCase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// 127.0.0.0/8, 0.0.0.0/8, ::1, :: (and their IPv4-mapped forms).
bool leadsHere(std::string address) {
  address = lowerCase(address);
  if (address.starts_with("::ffff:")) address = address.substr(7);
  if (address == "::1" || address == "::") return true;
  return daemon::isLoopbackHost(address);
}

void addHostsFileNames(const std::filesystem::path& file, std::set<std::string>& names) {
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    line = line.substr(0, line.find('#'));
    std::istringstream fields(line);
    std::string address;
    if (!(fields >> address) || !leadsHere(address)) continue;
    for (std::string name; fields >> name;) names.insert(lowerCase(name));
  }
}

}  // namespace

std::set<std::string> localHostNames(const std::filesystem::path& root) {
  std::set<std::string> names;
  addHostsFileNames(underRoot(root, "/etc/hosts"), names);
  std::ifstream hostnameFile(underRoot(root, "/etc/hostname"));
  std::string name;
  if (hostnameFile >> name) names.insert(lowerCase(name));
  std::error_code error;
  if (std::filesystem::equivalent(root, "/", error)) {
    char running[256] = {};
    if (gethostname(running, sizeof running - 1) == 0 && running[0] != '\0') {
      names.insert(lowerCase(running));
    }
  }
  return names;
}

}  // namespace hcbridge::cli
