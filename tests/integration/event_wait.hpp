// Waiting for particular reader events in integration tests.
#pragma once

#include <chrono>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "hcbridge/transport.hpp"

namespace hcbridge::testing {

// Reads a watcher's events in order, keeping those not yet asked for.
class EventQueue {
 public:
  explicit EventQueue(ReaderWatcher& watcher) : watcher_(watcher) {}

  // Skips events until one of `kind` for `reader` (any reader when empty)
  // arrives; nullopt when the timeout passes first.
  std::optional<ReaderEvent> waitFor(ReaderEventKind kind, const std::string& reader = {},
                                     std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Every event seen so far, for failure messages.
  std::string history() const;

 private:
  ReaderWatcher& watcher_;
  std::deque<ReaderEvent> pending_;
  std::vector<ReaderEvent> seen_;
};

}  // namespace hcbridge::testing
