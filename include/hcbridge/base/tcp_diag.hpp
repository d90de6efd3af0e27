// The owner of a loopback connection's other end, asked of the kernel for
// that one socket (netlink sock_diag, an exact lookup by its two ends)
// instead of reading and parsing every socket of /proc/net/tcp{,6}: the
// table costs the network thread time in proportion to all the sockets on
// the machine, at every connection, which a local process could inflate.
#pragma once

#include <cstdint>
#include <optional>

#include "hcbridge/base/tcp_table.hpp"

namespace hcbridge::base {

struct SocketOwnerLookup {
  bool answered = false;  // false: sock_diag unavailable (no netlink, refused): use the table
  std::optional<std::uint32_t> uid;  // the owner of an established socket with those ends
};

// The established socket whose local end is `peer` and remote end is `self`.
SocketOwnerLookup tcpPeerOwnerByDiag(const TcpEndpoint& self, const TcpEndpoint& peer);

}  // namespace hcbridge::base
