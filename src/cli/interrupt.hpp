// Ctrl+C / SIGTERM for long-running subcommands (`readers --watch`, `sim`):
// a SignalWaiter that runs one callback for any of its signals.
#pragma once

#include <atomic>
#include <functional>

#include "hcbridge/signal_waiter.hpp"

namespace hcbridge::cli {

class InterruptHandler {
 public:
  // Create before any other thread, so that every thread inherits the mask.
  explicit InterruptHandler(std::function<void()> onInterrupt);
  ~InterruptHandler();
  InterruptHandler(const InterruptHandler&) = delete;
  InterruptHandler& operator=(const InterruptHandler&) = delete;

  bool interrupted() const { return interrupted_; }

 private:
  std::function<void()> onInterrupt_;
  std::atomic<bool> interrupted_{false};
  SignalWaiter signals_;
};

}  // namespace hcbridge::cli
