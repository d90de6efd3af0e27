#include "hcbridge/signal_waiter.hpp"

#include <pthread.h>
#include <signal.h>

namespace hcbridge {
namespace {

sigset_t handledSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  sigaddset(&set, SIGUSR2);  // only used to stop the waiting thread
  return set;
}

}  // namespace

SignalWaiter::SignalWaiter() {
  // A shell starting us in the background sets SIGINT to "ignore", and an
  // ignored signal never reaches sigwait(): take the default back.
  signal(SIGINT, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
  const sigset_t set = handledSignals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

SignalWaiter::~SignalWaiter() {
  stop();
}

void SignalWaiter::start(std::function<void(int)> onSignal) {
  onSignal_ = std::move(onSignal);
  thread_ = std::thread([this] {
    const sigset_t set = handledSignals();
    for (;;) {
      int received = 0;
      if (sigwait(&set, &received) != 0) continue;
      if (stopping_) return;
      if (received == SIGUSR2) continue;
      onSignal_(received);
    }
  });
}

void SignalWaiter::stop() {
  if (stopping_.exchange(true) || !thread_.joinable()) return;
  pthread_kill(thread_.native_handle(), SIGUSR2);
  thread_.join();
}

void SignalWaiter::stopAndUnblock() {
  stop();
  const sigset_t set = handledSignals();
  pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
}

}  // namespace hcbridge
