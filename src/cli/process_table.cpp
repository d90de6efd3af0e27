#include "process_table.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

namespace hcbridge::cli {
namespace {

namespace fs = std::filesystem;

std::string processName(const fs::path& procDir) {
  std::ifstream in(procDir / "comm");
  std::string name;
  std::getline(in, name);
  return name;
}

std::optional<pid_t> pidOf(const fs::directory_entry& entry) {
  const std::string name = entry.path().filename().string();
  if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) return {};
  return static_cast<pid_t>(std::stol(name));
}

// Socket inodes of the listeners on `port` in /proc/net/tcp or tcp6
// (columns: sl local_address rem_address st ... inode; st 0A = LISTEN).
std::vector<std::string> listenerInodes(const char* table, std::uint16_t port) {
  std::vector<std::string> inodes;
  std::ifstream in(table);
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string slot, local, remote, state, queues, timer, retransmits, uid, timeout, inode;
    fields >> slot >> local >> remote >> state >> queues >> timer >> retransmits >> uid >>
        timeout >> inode;
    const auto colon = local.rfind(':');
    if (state != "0A" || colon == std::string::npos) continue;
    if (std::stoul(local.substr(colon + 1), nullptr, 16) == port) inodes.push_back(inode);
  }
  return inodes;
}

}  // namespace

std::optional<ProcessInfo> findProcess(std::string_view name) {
  std::error_code error;
  for (const auto& entry : fs::directory_iterator("/proc", error)) {
    const auto pid = pidOf(entry);
    if (pid && processName(entry.path()) == name) return ProcessInfo{*pid, std::string(name)};
  }
  return std::nullopt;
}

std::optional<ProcessInfo> tcpListener(std::uint16_t port) {
  std::vector<std::string> inodes = listenerInodes("/proc/net/tcp", port);
  for (auto& inode : listenerInodes("/proc/net/tcp6", port)) inodes.push_back(std::move(inode));
  if (inodes.empty()) return std::nullopt;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator("/proc", error)) {
    const auto pid = pidOf(entry);
    if (!pid) continue;
    std::error_code fdError;  // another user's process: not readable, skipped
    for (const auto& fd : fs::directory_iterator(entry.path() / "fd", fdError)) {
      std::error_code linkError;
      const std::string target = fs::read_symlink(fd.path(), linkError).string();
      for (const auto& inode : inodes) {
        if (target == "socket:[" + inode + "]") {
          return ProcessInfo{*pid, processName(entry.path())};
        }
      }
    }
  }
  return ProcessInfo{};
}

}  // namespace hcbridge::cli
