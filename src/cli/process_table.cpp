#include "process_table.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <vector>

#include "hcbridge/base/tcp_table.hpp"

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

// Socket inodes of the listeners on `port`, IPv4 or IPv6.
std::vector<std::string> listenerInodes(std::uint16_t port) {
  std::vector<std::string> inodes;
  for (const base::TcpSocketRow& row : base::readTcpTables()) {
    if (row.state == base::kTcpListen && row.local.port == port) {
      inodes.push_back(std::to_string(row.inode));
    }
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
  const std::vector<std::string> inodes = listenerInodes(port);
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
