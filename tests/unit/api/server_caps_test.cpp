// issue 14: 128 idle WebSockets from one caller held every connection slot
// forever. Each caller (origin or application) may hold a share of the
// connections, HTTP and WebSocket together, and a WebSocket that does not
// answer pings is closed after the idle timeout.
#include <gtest/gtest.h>

#include <future>

#include "server_fixture.hpp"

namespace hcbridge::api::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kOtherOrigin = "https://other.example";

// Polls: a slot is given back when the server has seen the client leave.
int statusWithin(std::uint16_t port, const Headers& headers, int wanted) {
  int status = 0;
  for (int i = 0; i < 200 && status != wanted; ++i) {
    status = fetch(port, "GET", "/v1/status", headers).status;
    if (status != wanted) std::this_thread::sleep_for(10ms);
  }
  return status;
}

TEST_F(ServerTest, OneCallerCannotTakeEverySlotOthersStillGetIn) {
  policy_.limits.maxConnectionsPerCaller = 3;
  policy_.allowedOrigins.push_back(kOtherOrigin);
  startServer();
  // Counted together: one keep-alive HTTP connection and two WebSockets.
  HttpClient http(port());
  ASSERT_EQ(http.get("/v1/status", origin()).status, 200);
  std::vector<std::unique_ptr<WsClient>> sockets;
  for (int i = 0; i < 2; ++i) sockets.push_back(std::make_unique<WsClient>(port(), origin()));

  EXPECT_EQ(websocketRefusalStatus(port(), origin()), 503);
  const HttpReply refused = fetch(port(), "GET", "/v1/status", origin());
  EXPECT_EQ(refused.status, 503);
  EXPECT_EQ(refused.json()["code"], "too-many-connections");
  EXPECT_NE(refused.json()["detail"].get<std::string>().find(
                "origin https://app.example already holds 3 connections"),
            std::string::npos)
      << refused.body;
  EXPECT_NE(refused.json()["detail"].get<std::string>().find("limits.max_connections_per_caller"),
            std::string::npos);
  EXPECT_TRUE(
      logEventuallyContains("connection refused: origin https://app.example holds 3 connections"));
  // The connection already held keeps working.
  EXPECT_EQ(http.get("/v1/readers", origin()).status, 200);

  // Other callers are not affected.
  EXPECT_EQ(websocketRefusalStatus(port(), {{"Origin", kOtherOrigin}}), 0);
  EXPECT_EQ(fetch(port(), "GET", "/v1/status", appKey()).status, 200);
  WsClient app(port(), appKey());
  EXPECT_TRUE(app.read());

  // A slot given back is free for the same caller again.
  sockets.pop_back();
  EXPECT_EQ(statusWithin(port(), origin(), 200), 200);
}

TEST_F(ServerTest, ManyRequestsOnOneConnectionCountOnce) {
  policy_.limits.maxConnectionsPerCaller = 1;
  startServer();
  HttpClient client(port());
  for (int i = 0; i < 5; ++i) EXPECT_EQ(client.get("/v1/status", origin()).status, 200);
  EXPECT_EQ(fetch(port(), "GET", "/v1/status", origin()).status, 503);
  // A refusal before admission (a foreign origin) takes no caller slot.
  EXPECT_EQ(client.get("/v1/status", {{"Origin", "https://x.example"}}).status, 403);
  EXPECT_EQ(fetch(port(), "GET", "/v1/status", appKey()).status, 200);
}

TEST_F(ServerTest, AWebSocketThatDoesNotAnswerPingsIsClosed) {
  policy_.limits.webSocketIdleTimeout = 300ms;
  startServer();
  WsClient silent(port(), origin());  // never reads, so never answers a ping
  ASSERT_NO_FATAL_FAILURE(waitForWebSocketSubscribers(1));
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 300 && webSocketSubscribers() > 0; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(webSocketSubscribers(), 0u);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  EXPECT_TRUE(logEventuallyContains(
      "ws closed: no answer to ping within 300ms origin https://app.example"));
}

TEST_F(ServerTest, AWebSocketThatAnswersPingsStaysOpenPastTheIdleTimeout) {
  policy_.limits.webSocketIdleTimeout = 200ms;
  startServer();
  WsClient client(port(), origin());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(client.read());  // the snapshot
  // Five idle timeouts without an event; the client's read answers the pings.
  auto later = std::async(std::launch::async, [this] {
    std::this_thread::sleep_for(1s);
    backend_.publish(ServiceEvent::ofReader(ServiceEvent::Type::CardRemoved, "Reader A"));
  });
  const auto text = client.read(3s);
  later.get();
  ASSERT_TRUE(text);
  EXPECT_NE(text->find("card.removed"), std::string::npos);
  EXPECT_FALSE(logContains("ws closed"));
}

}  // namespace
}  // namespace hcbridge::api::testing
