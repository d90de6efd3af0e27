#include "hcbridge/base/tcp_table.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

namespace hcbridge::base {
namespace {

// Captured from a little-endian machine: a listener on 127.0.0.1:8732, a
// client 127.0.0.1:40000 (uid 1000) connected to it, the server's end (uid 0).
constexpr std::string_view kTcp4 =
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout "
    "inode\n"
    "   0: 0100007F:221C 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 "
    "111 1 0000000000000000 100 0 0 10 0\n"
    "   1: 0100007F:9C40 0100007F:221C 01 00000000:00000000 00:00000000 00000000  1000        0 "
    "222 1 0000000000000000 20 4 30 10 -1\n"
    "   2: 0100007F:221C 0100007F:9C40 01 00000000:00000000 00:00000000 00000000     0        0 "
    "333 1 0000000000000000 20 4 30 10 -1\n"
    // An earlier connection from port 40001, closed: TIME_WAIT (06), listed with uid 0.
    "   3: 0100007F:9C41 0100007F:221C 06 00000000:00000000 03:00000F9B 00000000     0        0 "
    "0 3 0000000000000000\n";

// [::1]:8732 listening, uid 0, as the kernel prints it on little-endian.
constexpr std::string_view kTcp6 =
    "  sl  local_address                         remote_address                        st "
    "tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
    "   0: 00000000000000000000000001000000:221C 00000000000000000000000000000000:0000 0A "
    "00000000:00000000 00:00000000 00000000     0        0 444 1 0000000000000000 100 0 0 10 0\n";

TcpEndpoint loopback4(std::uint16_t port) {
  return {ipv4Address({127, 0, 0, 1}), port};
}

bool littleEndian() {
  const std::uint16_t one = 1;
  std::uint8_t first = 0;
  std::memcpy(&first, &one, 1);
  return first == 1;
}

TEST(TcpTable, ParsesEveryRowOfTheIpv4Table) {
  if (!littleEndian()) GTEST_SKIP() << "the captured tables are little-endian";
  const auto rows = parseTcpTable(kTcp4);
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0].state, kTcpListen);
  EXPECT_EQ(rows[0].local, loopback4(8732));
  EXPECT_EQ(rows[0].inode, 111u);
  EXPECT_EQ(rows[1].state, kTcpEstablished);
  EXPECT_EQ(rows[1].uid, 1000u);
  EXPECT_EQ(rows[1].remote, loopback4(8732));
}

TEST(TcpTable, ParsesTheIpv6Loopback) {
  if (!littleEndian()) GTEST_SKIP() << "the captured tables are little-endian";
  const auto rows = parseTcpTable(kTcp6);
  ASSERT_EQ(rows.size(), 1u);
  IpAddress loopback{};
  loopback[15] = 1;
  EXPECT_EQ(rows[0].local.address, loopback);
  EXPECT_EQ(rows[0].local.port, 8732);
}

TEST(TcpTable, FindsTheOwnerOfThePeerSocketNotOurOwn) {
  if (!littleEndian()) GTEST_SKIP() << "the captured tables are little-endian";
  const auto rows = parseTcpTable(kTcp4);
  EXPECT_EQ(tcpPeerOwner(rows, loopback4(8732), loopback4(40000)), 1000u);
  EXPECT_EQ(tcpPeerOwner(rows, loopback4(40000), loopback4(8732)), 0u);
  // A closed socket's row does not answer for a new peer on that port.
  EXPECT_EQ(tcpPeerOwner(rows, loopback4(8732), loopback4(40001)), std::nullopt);
  EXPECT_EQ(tcpPeerOwner(rows, loopback4(8732), loopback4(40002)), std::nullopt);
}

TEST(TcpTable, SkipsLinesThatDoNotParse) {
  const std::string text =
      "header\n"
      "garbage\n"
      "   0: 0100007F:ZZZZ 00000000:0000 0A 0:0 0:0 0 0 0 1\n"  // bad port
      "   1: 0100007F 00000000:0000 0A 0:0 0:0 0 0 0 1\n"       // no port
      "   2: 0100007F:0001 00000000:0000 0A 0:0 0:0 0 notanuid 0 1\n"
      "   3: 0100007F:0001 00000000:0000 0A 0:0 0:0 0 5 0\n"  // no inode
      "   4: 0100007F:0001 00000000:0000 0A 0:0 0:0 0 5 0 9";  // last line, no newline
  const auto rows = parseTcpTable(text);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].uid, 5u);
  EXPECT_EQ(rows[0].inode, 9u);
  EXPECT_TRUE(parseTcpTable("").empty());
}

// The real kernel table: a connection this process makes to itself is found
// with its owner, our own uid.
TEST(TcpTable, FindsOurOwnConnectionInTheKernelTable) {
  const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(::listen(listener, 1), 0);
  socklen_t length = sizeof address;
  ASSERT_EQ(::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length), 0);
  const int client = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_EQ(::connect(client, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  sockaddr_in clientAddress{};
  length = sizeof clientAddress;
  ASSERT_EQ(::getsockname(client, reinterpret_cast<sockaddr*>(&clientAddress), &length), 0);

  const TcpEndpoint server = loopback4(ntohs(address.sin_port));
  const TcpEndpoint peer = loopback4(ntohs(clientAddress.sin_port));
  EXPECT_EQ(tcpPeerOwner(readTcpTables(), server, peer), ::getuid());
  ::close(client);
  ::close(listener);
}

}  // namespace
}  // namespace hcbridge::base
