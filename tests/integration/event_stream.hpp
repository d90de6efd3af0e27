// The /v1/events frames of one WebSocket client to hcbridged, waited for
// with deadlines (integration tests).
#pragma once

#include <algorithm>
#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "hcbridge_test/test_client.hpp"

namespace hcbridge::testing {

// The /v1/events frames of one WebSocket client, waited for with deadlines.
class EventStream {
  using Clock = std::chrono::steady_clock;

 public:
  EventStream(std::uint16_t port, const api::testing::Headers& headers) : ws_(port, headers) {}

  // Skips frames until one of `type` (for `reader` when given) arrives.
  std::optional<nlohmann::json> waitFor(
      const std::string& type, const std::string& reader = {},
      std::chrono::milliseconds timeout = std::chrono::seconds(8)) {
    const auto deadline = Clock::now() + timeout;
    while (const auto event = next(deadline)) {
      if ((*event)["type"] == type && (reader.empty() || (*event)["data"]["reader"] == reader))
        return event;
    }
    return std::nullopt;
  }

  // The card type of each of `readers` once a card.inserted came for all.
  std::map<std::string, std::string> waitForCardsIn(
      const std::vector<std::string>& readers,
      std::chrono::milliseconds timeout = std::chrono::seconds(8)) {
    std::map<std::string, std::string> cardTypes;
    const auto deadline = Clock::now() + timeout;
    while (cardTypes.size() < readers.size()) {
      const auto event = next(deadline);
      if (!event) break;
      const auto reader = (*event)["data"].value("reader", "");
      if ((*event)["type"] == "card.inserted" &&
          std::find(readers.begin(), readers.end(), reader) != readers.end())
        cardTypes[reader] = (*event)["data"]["cardType"].get<std::string>();
    }
    return cardTypes;
  }

  // Every frame so far, for failure messages.
  const std::string& history() const { return history_; }

 private:
  std::optional<nlohmann::json> next(Clock::time_point deadline) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left <= std::chrono::milliseconds(0)) return std::nullopt;
    const auto frame = ws_.read(left);
    if (!frame) return std::nullopt;
    history_ += *frame + "\n";
    return nlohmann::json::parse(*frame);
  }

  api::testing::WsClient ws_;
  std::string history_;
};

}  // namespace hcbridge::testing
