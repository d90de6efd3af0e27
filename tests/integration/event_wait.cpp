#include "event_wait.hpp"

#include "hcbridge/bytes.hpp"

namespace hcbridge::testing {

std::optional<ReaderEvent> EventQueue::waitFor(ReaderEventKind kind, const std::string& reader,
                                               std::chrono::milliseconds timeout) {
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    while (!pending_.empty()) {
      ReaderEvent event = std::move(pending_.front());
      pending_.pop_front();
      if (event.kind == kind && (reader.empty() || event.reader == reader)) return event;
    }
    const auto now = Clock::now();
    if (now >= deadline) return std::nullopt;
    for (auto& event :
         watcher_.next(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now))) {
      seen_.push_back(event);
      pending_.push_back(std::move(event));
    }
  }
}

std::string EventQueue::history() const {
  std::string text;
  for (const auto& event : seen_) {
    text += std::string(readerEventName(event.kind)) + " '" + event.reader + "' " +
            toHex(event.atr) + "\n";
  }
  return text.empty() ? "(no events)" : text;
}

}  // namespace hcbridge::testing
