#include "hcbridge/base/tcp_diag.hpp"

#include <arpa/inet.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

namespace hcbridge::base {
namespace {

bool isIpv4Mapped(const IpAddress& address) {
  static constexpr std::array<std::uint8_t, 12> kPrefix = {0, 0, 0, 0, 0,    0,
                                                           0, 0, 0, 0, 0xff, 0xff};
  return std::equal(kPrefix.begin(), kPrefix.end(), address.begin());
}

// inet_diag's address words: IPv4 in the first, IPv6 in all four.
void putAddress(const IpAddress& address, bool ipv4, __be32 (&words)[4]) {
  std::memset(words, 0, sizeof words);
  if (ipv4) {
    std::memcpy(&words[0], address.data() + 12, 4);
  } else {
    std::memcpy(words, address.data(), 16);
  }
}

class NetlinkSocket {
 public:
  NetlinkSocket() : fd_(::socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG)) {}
  ~NetlinkSocket() {
    if (fd_ >= 0) ::close(fd_);
  }
  NetlinkSocket(const NetlinkSocket&) = delete;
  NetlinkSocket& operator=(const NetlinkSocket&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
};

}  // namespace

SocketOwnerLookup tcpPeerOwnerByDiag(const TcpEndpoint& self, const TcpEndpoint& peer) {
  // Both ends IPv4 (or IPv4-mapped): the kernel finds dual-stack sockets too.
  const bool ipv4 = isIpv4Mapped(self.address) && isIpv4Mapped(peer.address);
  struct {
    nlmsghdr header;
    inet_diag_req_v2 request;
  } message{};
  message.header.nlmsg_len = sizeof message;
  message.header.nlmsg_type = SOCK_DIAG_BY_FAMILY;
  message.header.nlmsg_flags = NLM_F_REQUEST;  // one socket, no dump
  message.request.sdiag_family = ipv4 ? AF_INET : AF_INET6;
  message.request.sdiag_protocol = IPPROTO_TCP;
  message.request.idiag_states = ~0U;
  // The socket we ask about is the peer's: its local end is `peer`.
  message.request.id.idiag_sport = htons(peer.port);
  message.request.id.idiag_dport = htons(self.port);
  putAddress(peer.address, ipv4, message.request.id.idiag_src);
  putAddress(self.address, ipv4, message.request.id.idiag_dst);
  message.request.id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
  message.request.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;

  NetlinkSocket netlink;
  if (netlink.fd() < 0) return {};
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  if (::sendto(netlink.fd(), &message, sizeof message, 0, reinterpret_cast<sockaddr*>(&kernel),
               sizeof kernel) != static_cast<ssize_t>(sizeof message)) {
    return {};
  }
  alignas(nlmsghdr) std::array<char, 8192> reply{};
  ssize_t received;
  do {
    received = ::recv(netlink.fd(), reply.data(), reply.size(), 0);
  } while (received < 0 && errno == EINTR);
  if (received < static_cast<ssize_t>(sizeof(nlmsghdr))) return {};

  const auto* header = reinterpret_cast<const nlmsghdr*>(reply.data());
  if (header->nlmsg_len < sizeof(nlmsghdr) ||
      header->nlmsg_len > static_cast<std::uint32_t>(received)) {
    return {};
  }
  if (header->nlmsg_type == NLMSG_ERROR) {
    if (header->nlmsg_len < NLMSG_LENGTH(sizeof(nlmsgerr))) return {};
    const auto* error = static_cast<const nlmsgerr*>(NLMSG_DATA(header));
    // No such socket: answered, nobody owns it (gone meanwhile, other namespace).
    if (error->error == -ENOENT) return {true, std::nullopt};
    return {};
  }
  if (header->nlmsg_type != SOCK_DIAG_BY_FAMILY ||
      header->nlmsg_len < NLMSG_LENGTH(sizeof(inet_diag_msg))) {
    return {};
  }
  const auto* socketInfo = static_cast<const inet_diag_msg*>(NLMSG_DATA(header));
  // Only an established socket speaks for its user (a TIME_WAIT one lists uid 0).
  if (socketInfo->idiag_state != kTcpEstablished ||
      socketInfo->id.idiag_sport != htons(peer.port) ||
      socketInfo->id.idiag_dport != htons(self.port)) {
    return {true, std::nullopt};
  }
  return {true, socketInfo->idiag_uid};
}

}  // namespace hcbridge::base
