// VpcdClient against a fake vpcd: our own TCP listener on 127.0.0.1 with an
// ephemeral port.
#include "hcbridge/sim/vpcd_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <optional>
#include <thread>

#include "sim_test_support.hpp"

namespace hcbridge::sim::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

class FakeVpcd {
 public:
  explicit FakeVpcd(bool listenNow = true) {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int one = 1;
    ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    EXPECT_EQ(::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    socklen_t length = sizeof address;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    if (listenNow) startListening();
  }
  ~FakeVpcd() {
    closeConnection();
    ::close(listener_);
  }

  std::uint16_t port() const { return port_; }
  void startListening() { EXPECT_EQ(::listen(listener_, 4), 0); }

  bool accept(std::chrono::milliseconds timeout) {
    pollfd fd{listener_, POLLIN, 0};
    if (::poll(&fd, 1, static_cast<int>(timeout.count())) != 1) return false;
    closeConnection();
    connection_ = ::accept(listener_, nullptr, nullptr);
    return connection_ >= 0;
  }

  void closeConnection() {
    if (connection_ >= 0) ::close(connection_);
    connection_ = -1;
  }

  void sendBytes(const Bytes& bytes) {
    std::size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t written =
          ::send(connection_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
      ASSERT_GT(written, 0);
      done += static_cast<std::size_t>(written);
    }
  }

  static Bytes frame(const Bytes& payload) {
    Bytes message{static_cast<std::uint8_t>(payload.size() >> 8),
                  static_cast<std::uint8_t>(payload.size() & 0xFF)};
    message.insert(message.end(), payload.begin(), payload.end());
    return message;
  }

  void sendMessage(const Bytes& payload) { sendBytes(frame(payload)); }

  // Exactly `count` bytes, or nullopt on EOF / timeout.
  std::optional<Bytes> readExactly(std::size_t count, std::chrono::milliseconds timeout) {
    Bytes out;
    const auto deadline = Clock::now() + timeout;
    while (out.size() < count) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      pollfd fd{connection_, POLLIN, 0};
      if (left.count() <= 0 || ::poll(&fd, 1, static_cast<int>(left.count())) != 1) {
        return std::nullopt;
      }
      std::uint8_t buffer[4096];
      const ssize_t got =
          ::recv(connection_, buffer, std::min(sizeof buffer, count - out.size()), 0);
      if (got <= 0) return std::nullopt;
      out.insert(out.end(), buffer, buffer + got);
    }
    return out;
  }

  std::optional<Bytes> receiveMessage(std::chrono::milliseconds timeout = 2s) {
    const auto header = readExactly(2, timeout);
    if (!header) return std::nullopt;
    const std::size_t length = (std::size_t{(*header)[0]} << 8) | (*header)[1];
    return readExactly(length, timeout);
  }

  // True when the client closed the connection.
  bool peerClosed(std::chrono::milliseconds timeout) {
    pollfd fd{connection_, POLLIN, 0};
    if (::poll(&fd, 1, static_cast<int>(timeout.count())) != 1) return false;
    std::uint8_t byte = 0;
    return ::recv(connection_, &byte, 1, 0) == 0;
  }

  // Nothing arrives within `timeout`.
  bool silent(std::chrono::milliseconds timeout) {
    pollfd fd{connection_, POLLIN, 0};
    return ::poll(&fd, 1, static_cast<int>(timeout.count())) == 0;
  }

 private:
  int listener_ = -1;
  int connection_ = -1;
  std::uint16_t port_ = 0;
};

bool waitUntil(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return condition();
}

std::shared_ptr<Card> sharedGeneric() {
  return std::make_shared<Card>(loadProfile("generic"));
}

TEST(SimVpcdClient, PowerOnAtrAndApduRoundTrip) {
  FakeVpcd vpcd;
  auto card = sharedGeneric();
  VpcdClient client(card, "127.0.0.1", vpcd.port());
  EXPECT_EQ(client.card(), card);
  EXPECT_FALSE(client.connected());
  client.insert();
  ASSERT_TRUE(vpcd.accept(3s));
  EXPECT_TRUE(client.waitConnected(2s));
  EXPECT_TRUE(client.connected());

  vpcd.sendMessage({0x01});  // power on: no answer expected
  EXPECT_TRUE(vpcd.silent(50ms));
  vpcd.sendMessage({0x04});  // get ATR
  EXPECT_EQ(vpcd.receiveMessage(), card->atr());
  vpcd.sendMessage(fromHex("00 CA 01 01 00"));
  EXPECT_EQ(vpcd.receiveMessage(), fromHex("48 43 42 2D 54 45 53 54 90 00"));
  vpcd.sendMessage({0x04});  // presence polls ask for the ATR at any time
  EXPECT_EQ(vpcd.receiveMessage(), card->atr());
  vpcd.sendMessage({0x02});  // reset
  vpcd.sendMessage({0x00});  // power off
  EXPECT_TRUE(vpcd.silent(50ms));

  client.remove();
  EXPECT_FALSE(client.connected());
  EXPECT_TRUE(vpcd.peerClosed(1s));
}

TEST(SimVpcdClient, PowerOnResetsTheCard) {
  FakeVpcd vpcd;
  auto card = sharedGeneric();
  VpcdClient client(card, "127.0.0.1", vpcd.port());
  client.insert();
  ASSERT_TRUE(vpcd.accept(3s));
  vpcd.sendMessage(fromHex("00 20 00 01 04 31 32 33 34"));
  EXPECT_EQ(vpcd.receiveMessage(), fromHex("90 00"));
  vpcd.sendMessage({0x02});
  vpcd.sendMessage(fromHex("00 20 00 01"));
  EXPECT_EQ(vpcd.receiveMessage(), fromHex("63 C3"));
}

TEST(SimVpcdClient, MessagesSplitAcrossWritesAndBatched) {
  FakeVpcd vpcd;
  VpcdClient client(sharedGeneric(), "127.0.0.1", vpcd.port());
  client.insert();
  ASSERT_TRUE(vpcd.accept(3s));
  const Bytes message = FakeVpcd::frame(fromHex("00 CA 01 01 00"));
  vpcd.sendBytes(Bytes(message.begin(), message.begin() + 1));
  std::this_thread::sleep_for(20ms);
  vpcd.sendBytes(Bytes(message.begin() + 1, message.begin() + 4));
  std::this_thread::sleep_for(20ms);
  vpcd.sendBytes(Bytes(message.begin() + 4, message.end()));
  EXPECT_EQ(vpcd.receiveMessage(), fromHex("48 43 42 2D 54 45 53 54 90 00"));
  // Two messages in one write.
  Bytes both = FakeVpcd::frame({0x04});
  const Bytes second = FakeVpcd::frame(fromHex("00 A4 00 0C 02 3F 00"));
  both.insert(both.end(), second.begin(), second.end());
  vpcd.sendBytes(both);
  EXPECT_TRUE(vpcd.receiveMessage().has_value());
  EXPECT_EQ(vpcd.receiveMessage(), fromHex("90 00"));
}

TEST(SimVpcdClient, LongResponse) {
  FakeVpcd vpcd;
  auto card = sharedGeneric();
  VpcdClient client(card, "127.0.0.1", vpcd.port());
  client.insert();
  ASSERT_TRUE(vpcd.accept(3s));
  vpcd.sendMessage(fromHex("00 A4 08 0C 04 DF 01 10 01"));
  EXPECT_EQ(vpcd.receiveMessage(), fromHex("90 00"));
  vpcd.sendMessage(fromHex("00 B0 00 00 00 02 58"));
  const auto reply = vpcd.receiveMessage();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->size(), 602u);
}

TEST(SimVpcdClient, PullAfterApdusDropsTheConnectionWithoutAnswering) {
  FakeVpcd vpcd;
  VpcdClient client(sharedGeneric(), "127.0.0.1", vpcd.port());
  client.pullAfterApdus(2);
  client.insert();
  ASSERT_TRUE(vpcd.accept(3s));
  vpcd.sendMessage({0x04});  // control messages do not count
  EXPECT_TRUE(vpcd.receiveMessage().has_value());
  vpcd.sendMessage(fromHex("00 A4 00 0C 02 3F 00"));
  EXPECT_EQ(vpcd.receiveMessage(), fromHex("90 00"));
  vpcd.sendMessage(fromHex("00 CA 01 01 00"));
  EXPECT_FALSE(vpcd.receiveMessage(1s).has_value());  // closed, no answer
  EXPECT_TRUE(waitUntil([&] { return !client.connected(); }, 2s));
  // The pulled card stays out...
  EXPECT_FALSE(vpcd.accept(300ms));
  // ...until it is inserted again; the pull was one-shot.
  client.insert();
  ASSERT_TRUE(vpcd.accept(3s));
  for (int i = 0; i < 3; ++i) {
    vpcd.sendMessage(fromHex("00 A4 00 0C 02 3F 00"));
    EXPECT_EQ(vpcd.receiveMessage(), fromHex("90 00"));
  }
}

TEST(SimVpcdClient, RetriesUntilVpcdListens) {
  FakeVpcd vpcd(false);  // port bound, connections refused
  VpcdClient client(sharedGeneric(), "127.0.0.1", vpcd.port());
  client.insert();
  EXPECT_FALSE(client.waitConnected(200ms));
  vpcd.startListening();
  ASSERT_TRUE(vpcd.accept(3s));
  EXPECT_TRUE(client.waitConnected(2s));
}

TEST(SimVpcdClient, ReconnectsWhenVpcdCloses) {
  FakeVpcd vpcd;
  VpcdClient client(sharedGeneric(), "127.0.0.1", vpcd.port());
  client.insert();
  ASSERT_TRUE(vpcd.accept(3s));
  ASSERT_TRUE(client.waitConnected(2s));
  vpcd.closeConnection();  // e.g. pcscd restarting
  ASSERT_TRUE(vpcd.accept(3s));
  EXPECT_TRUE(client.waitConnected(2s));
  vpcd.sendMessage({0x04});
  EXPECT_TRUE(vpcd.receiveMessage().has_value());
}

TEST(SimVpcdClient, RemoveIsImmediateWhileRetrying) {
  FakeVpcd vpcd(false);
  VpcdClient client(sharedGeneric(), "127.0.0.1", vpcd.port());
  client.insert();
  std::this_thread::sleep_for(1200ms);  // backoff has grown to its maximum
  const auto start = Clock::now();
  client.remove();
  EXPECT_LT(Clock::now() - start, 300ms);
}

TEST(SimVpcdClient, RemoveIsImmediateWhileServing) {
  FakeVpcd vpcd;
  VpcdClient client(sharedGeneric(), "127.0.0.1", vpcd.port());
  client.insert();
  client.insert();  // already inserted: no second connection
  ASSERT_TRUE(vpcd.accept(3s));
  ASSERT_TRUE(client.waitConnected(2s));
  EXPECT_FALSE(vpcd.accept(100ms));
  const auto start = Clock::now();
  client.remove();
  EXPECT_LT(Clock::now() - start, 300ms);
  client.remove();  // twice is fine
}

TEST(SimVpcdClient, UnreachableHostNameKeepsRetrying) {
  VpcdClient client(sharedGeneric(), "host.invalid", 1);
  client.insert();
  EXPECT_FALSE(client.waitConnected(100ms));
}

}  // namespace
}  // namespace hcbridge::sim::testing
