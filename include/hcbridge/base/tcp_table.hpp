// The kernel's table of TCP sockets (/proc/net/tcp and tcp6 on Linux): which
// local user owns the other end of a loopback connection, which socket
// listens on a port. The service binds its practitioner session to the
// user whose process opened it; `hcbridge doctor` names a port's owner.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hcbridge::base {

// An address in network byte order; IPv4 as IPv4-mapped IPv6 (::ffff:a.b.c.d),
// so that a v4 socket and a dual-stack v6 socket name the same peer alike.
using IpAddress = std::array<std::uint8_t, 16>;

struct TcpEndpoint {
  IpAddress address{};
  std::uint16_t port = 0;
  bool operator==(const TcpEndpoint&) const = default;
};

IpAddress ipv4Address(const std::array<std::uint8_t, 4>& bytes);

struct TcpSocketRow {
  TcpEndpoint local;
  TcpEndpoint remote;
  std::uint8_t state = 0;  // kernel TCP state: 0x0A listen, 0x01 established
  std::uint32_t uid = 0;   // the socket's owner
  std::uint64_t inode = 0;
};

inline constexpr std::uint8_t kTcpEstablished = 0x01;
inline constexpr std::uint8_t kTcpListen = 0x0A;

// One table's text (header line first). A line that does not have the
// expected shape is skipped: the table is the kernel's, never the network's,
// but a parser of text still never reads past it.
std::vector<TcpSocketRow> parseTcpTable(std::string_view text);

// Both tables of this network namespace; empty when /proc is not there.
std::vector<TcpSocketRow> readTcpTables();

// The owner of the socket at the other end of our connection `self` -> `peer`:
// the established row whose local end is `peer` and remote end is `self`.
// nullopt when no such socket is listed (another network namespace, gone
// meanwhile, /proc unreadable).
std::optional<std::uint32_t> tcpPeerOwner(const std::vector<TcpSocketRow>& rows,
                                          const TcpEndpoint& self, const TcpEndpoint& peer);

}  // namespace hcbridge::base
