// Ctrl+C / SIGTERM for long-running subcommands (`readers --watch`, `sim`).
// Signal handlers may not call into PC/SC or locks, so the signals are
// blocked and a thread receives them with sigwait() and runs the callback.
#pragma once

#include <atomic>
#include <functional>
#include <thread>

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
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace hcbridge::cli
