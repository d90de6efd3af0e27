// SIGTERM, SIGINT and SIGHUP for hcbridged and the CLI's long-running
// commands. Signal handlers may not take locks or call into PC/SC or Asio,
// so the signals are blocked in every thread and one thread receives them
// with sigwait() and calls an ordinary function.
#pragma once

#include <atomic>
#include <functional>
#include <thread>

namespace hcbridge {

class SignalWaiter {
 public:
  // Blocks the signals; create it before any other thread so that every
  // thread inherits the mask.
  SignalWaiter();
  ~SignalWaiter();
  SignalWaiter(const SignalWaiter&) = delete;
  SignalWaiter& operator=(const SignalWaiter&) = delete;

  // Starts delivering: onSignal(SIGTERM|SIGINT|SIGHUP) on the waiting thread.
  void start(std::function<void(int signal)> onSignal);
  // No call to onSignal after this returns. Idempotent.
  void stop();
  // stop(), then unblocks the signals for this thread, so that a later
  // Ctrl+C ends the program the ordinary way.
  void stopAndUnblock();

 private:
  std::function<void(int)> onSignal_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace hcbridge
