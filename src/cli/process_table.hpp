// Which process is what, from /proc: `hcbridge doctor` names the program
// holding the service's port and says how pcscd and polkitd run.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hcbridge::cli {

struct ProcessInfo {
  pid_t pid = 0;
  std::string name;  // /proc/PID/comm
};

// The first process whose name is `name`, if any.
std::optional<ProcessInfo> findProcess(std::string_view name);

// The process listening on TCP `port` (IPv4 or IPv6). A listener whose owner
// this user may not see (another user's process, not root) has pid 0 and an
// empty name; no listener at all is nullopt.
std::optional<ProcessInfo> tcpListener(std::uint16_t port);

}  // namespace hcbridge::cli
