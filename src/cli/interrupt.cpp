#include "interrupt.hpp"

#include <pthread.h>
#include <signal.h>

namespace hcbridge::cli {
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

InterruptHandler::InterruptHandler(std::function<void()> onInterrupt)
    : onInterrupt_(std::move(onInterrupt)) {
  // A shell starting us in the background sets SIGINT to "ignore", and an
  // ignored signal never reaches sigwait(): take the default back.
  signal(SIGINT, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
  const sigset_t set = handledSignals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  thread_ = std::thread([this, set] {
    for (;;) {
      int received = 0;
      if (sigwait(&set, &received) != 0) continue;
      if (stopping_) return;
      if (received == SIGUSR2) continue;
      interrupted_ = true;
      onInterrupt_();
    }
  });
}

InterruptHandler::~InterruptHandler() {
  stopping_ = true;
  pthread_kill(thread_.native_handle(), SIGUSR2);
  thread_.join();
  const sigset_t set = handledSignals();
  pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
}

}  // namespace hcbridge::cli
