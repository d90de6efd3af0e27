// The peer's owner by sock_diag: the same answer as the /proc table, for
// IPv4 and IPv6 loopback, for another local user, and none for a socket that
// is not there.
#include "hcbridge/base/tcp_diag.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

namespace hcbridge::base {
namespace {

TcpEndpoint endpointOf(const sockaddr_storage& address) {
  TcpEndpoint out;
  if (address.ss_family == AF_INET) {
    const auto& v4 = reinterpret_cast<const sockaddr_in&>(address);
    std::array<std::uint8_t, 4> bytes{};
    std::memcpy(bytes.data(), &v4.sin_addr, 4);
    out.address = ipv4Address(bytes);
    out.port = ntohs(v4.sin_port);
  } else {
    const auto& v6 = reinterpret_cast<const sockaddr_in6&>(address);
    std::memcpy(out.address.data(), &v6.sin6_addr, 16);
    out.port = ntohs(v6.sin6_port);
  }
  return out;
}

TcpEndpoint localEnd(int fd) {
  sockaddr_storage address{};
  socklen_t length = sizeof address;
  EXPECT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length), 0);
  return endpointOf(address);
}

// A listening loopback socket (IPv4 or IPv6) on a port the kernel picks.
int listenOnLoopback(int family) {
  const int fd = ::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_storage address{};
  socklen_t length = 0;
  if (family == AF_INET) {
    auto& v4 = reinterpret_cast<sockaddr_in&>(address);
    v4.sin_family = AF_INET;
    v4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    length = sizeof v4;
  } else {
    auto& v6 = reinterpret_cast<sockaddr_in6&>(address);
    v6.sin6_family = AF_INET6;
    v6.sin6_addr = in6addr_loopback;
    length = sizeof v6;
  }
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), length), 0);
  EXPECT_EQ(::listen(fd, 4), 0);
  return fd;
}

int connectTo(int listener) {
  sockaddr_storage address{};
  socklen_t length = sizeof address;
  EXPECT_EQ(::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length), 0);
  const int fd = ::socket(address.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&address), length), 0);
  return fd;
}

class TcpDiag : public ::testing::TestWithParam<int> {};

TEST_P(TcpDiag, NamesTheOwnerOfThePeerSocketAsTheTableDoes) {
  const int listener = listenOnLoopback(GetParam());
  const int client = connectTo(listener);
  const int served = ::accept(listener, nullptr, nullptr);
  ASSERT_GE(served, 0);
  const TcpEndpoint self = localEnd(served);
  const TcpEndpoint peer = localEnd(client);

  const SocketOwnerLookup asked = tcpPeerOwnerByDiag(self, peer);
  ASSERT_TRUE(asked.answered) << "sock_diag unavailable";
  EXPECT_EQ(asked.uid, ::getuid());
  EXPECT_EQ(asked.uid, tcpPeerOwner(readTcpTables(), self, peer));

  // No socket has those ends once the client is gone and its port is another.
  TcpEndpoint stranger = peer;
  stranger.port = static_cast<std::uint16_t>(peer.port == 65535 ? 1 : peer.port + 1);
  const SocketOwnerLookup none = tcpPeerOwnerByDiag(self, stranger);
  EXPECT_TRUE(none.answered);
  EXPECT_EQ(none.uid, std::nullopt);
  ::close(client);
  ::close(served);
  ::close(listener);
}

INSTANTIATE_TEST_SUITE_P(Loopback, TcpDiag, ::testing::Values(AF_INET, AF_INET6),
                         [](const auto& family) {
                           return family.param == AF_INET ? "Ipv4" : "Ipv6";
                         });

// The attacker's case: a process of another local user connects; the
// session binding must see that user, not ours.
TEST(TcpDiagOtherUser, NamesAnotherLocalUser) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to run a client as another user";
  constexpr uid_t kNobody = 65534;
  const int listener = listenOnLoopback(AF_INET);
  int connected[2];  // child -> parent: its connect is done
  int release[2];    // parent -> child: EOF when the parent has looked
  ASSERT_EQ(::pipe(connected), 0);
  ASSERT_EQ(::pipe(release), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(connected[0]);
    ::close(release[1]);
    if (::setgid(kNobody) != 0 || ::setuid(kNobody) != 0) _exit(2);
    const int fd = connectTo(listener);
    char byte = 1;
    if (::write(connected[1], &byte, 1) != 1) _exit(3);
    while (::read(release[0], &byte, 1) > 0) {
    }
    ::close(fd);
    _exit(0);
  }
  ::close(connected[1]);
  ::close(release[0]);
  char byte = 0;
  ASSERT_EQ(::read(connected[0], &byte, 1), 1) << "the client as uid 65534 could not connect";
  const int served = ::accept(listener, nullptr, nullptr);
  ASSERT_GE(served, 0);
  sockaddr_storage remote{};
  socklen_t length = sizeof remote;
  ASSERT_EQ(::getpeername(served, reinterpret_cast<sockaddr*>(&remote), &length), 0);
  const SocketOwnerLookup asked = tcpPeerOwnerByDiag(localEnd(served), endpointOf(remote));
  ::close(release[1]);
  ::close(connected[0]);
  int status = 0;
  ::waitpid(child, &status, 0);
  ASSERT_TRUE(asked.answered);
  EXPECT_EQ(asked.uid, kNobody);
  ::close(served);
  ::close(listener);
}

}  // namespace
}  // namespace hcbridge::base
