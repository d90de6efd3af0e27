// WS /v1/events over real connections: the current state on connect, live
// events, admission, slow clients, shutdown.
#include <gtest/gtest.h>

#include "server_fixture.hpp"

namespace hcbridge::api::testing {
namespace {

using namespace std::chrono_literals;

nlohmann::json frame(WsClient& client) {
  const auto text = client.read();
  if (!text) return nullptr;
  return nlohmann::json::parse(*text);
}

TEST_F(ServerTest, WebSocketGetsTheCurrentStateThenLiveEvents) {
  startServer();
  WsClient client(port(), origin());
  EXPECT_EQ(frame(client),
            (nlohmann::json{{"type", "reader.added"}, {"data", {{"reader", "Reader A"}}}}));
  EXPECT_EQ(frame(client)["type"], "card.inserted");
  EXPECT_EQ(frame(client)["data"]["reader"], "Reader B");
  waitForWebSocketSubscribers(1);
  backend_.publish(ServiceEvent::ofReader(ServiceEvent::Type::CardRemoved, "Reader A"));
  backend_.publish(ServiceEvent::sessionOpened("Reader A", std::chrono::seconds(900)));
  EXPECT_EQ(frame(client),
            (nlohmann::json{{"type", "card.removed"}, {"data", {{"reader", "Reader A"}}}}));
  EXPECT_EQ(frame(client)["type"], "practitioner.session.opened");
}

TEST_F(ServerTest, WebSocketWithApplicationKey) {
  startServer();
  WsClient client(port(), appKey());
  EXPECT_EQ(frame(client)["type"], "reader.added");
  EXPECT_TRUE(logEventuallyContains("ws /v1/events 101 app pharmacy"));
}

TEST_F(ServerTest, WebSocketUpgradeFollowsTheSameRules) {
  startServer();
  EXPECT_EQ(websocketRefusalStatus(port(), {{"Origin", "https://x.example"}}), 403);
  EXPECT_EQ(websocketRefusalStatus(port(), {}), 401);
  EXPECT_EQ(websocketRefusalStatus(port(), {{"Authorization", "Bearer nope"}}), 401);
  EXPECT_EQ(websocketRefusalStatus(port(), {{"Host", "evil.example"}, {"Origin", kOrigin}}), 403);
  EXPECT_EQ(webSocketSubscribers(), 0u);
  EXPECT_EQ(websocketRefusalStatus(port(), {{"Origin", kOrigin}}), 0);
}

TEST_F(ServerTest, ClientLeavingUnsubscribes) {
  startServer();
  {
    WsClient client(port(), origin());
    EXPECT_EQ(frame(client)["type"], "reader.added");
    waitForWebSocketSubscribers(1);
  }
  for (int i = 0; i < 200 && webSocketSubscribers() > 0; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(webSocketSubscribers(), 0u);
}

TEST_F(ServerTest, SlowClientIsDroppedOthersKeepTheirEvents) {
  policy_.limits.maxWebSocketQueue = 8;
  startServer();
  WsClient slow(port(), origin());  // never reads after this
  WsClient fast(port(), appKey());
  waitForWebSocketSubscribers(2);
  for (int i = 0; i < 3; ++i) ASSERT_FALSE(frame(fast).is_null());  // the snapshot
  const std::string padding(64 * 1024, 'p');
  bool dropped = false;
  for (int i = 0; i < 2000 && !dropped; ++i) {
    // A long reader name (64 KiB) fills the slow client's queue fast.
    backend_.publish(ServiceEvent::cardInserted("Reader A " + padding, "vitale"));
    EXPECT_EQ(frame(fast)["type"], "card.inserted");
    dropped = logContains("ws dropped");
  }
  EXPECT_TRUE(dropped);
  for (int i = 0; i < 200 && webSocketSubscribers() > 1; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(webSocketSubscribers(), 1u);
  backend_.publish(ServiceEvent::ofReader(ServiceEvent::Type::CardRemoved, "Reader A"));
  EXPECT_EQ(frame(fast)["type"], "card.removed");
}

TEST_F(ServerTest, StopClosesWebSocketsWithGoingAway) {
  startServer();
  WsClient client(port(), origin());
  EXPECT_EQ(frame(client)["type"], "reader.added");
  waitForWebSocketSubscribers(1);
  auto stopping = std::async(std::launch::async, [this] { stopServer(); });
  // The rest of the snapshot may come first; then the close.
  std::optional<std::string> text;
  while ((text = client.read(3s))) {
  }
  stopping.get();
  EXPECT_EQ(client.closeCode(), 1001);
}

}  // namespace
}  // namespace hcbridge::api::testing
