#include "module_thread.hpp"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>

#include "hcbridge/core/module_hang.hpp"
#include "hcbridge/error.hpp"

namespace hcbridge::core {

// Shared with the worker thread, which may outlive the ModuleThread when hung.
struct ModuleThread::State {
  using Clock = std::chrono::steady_clock;

  std::string moduleName;
  std::chrono::milliseconds callTimeout;
  std::mutex mutex;
  std::condition_variable changed;
  std::deque<std::pair<Job, FailHandler>> queue;
  std::optional<Clock::time_point> runningSince;
  FailHandler runningFail;  // the running job's: the watchdog answers for a hung call
  bool stopping = false;
  bool isHung = false;
  std::function<void()> hungHandler;
  std::thread worker;
  std::thread watchdog;

  Error hungError() const {
    return Error(Errc::Pkcs11ModuleFailed,
                 "the PKCS#11 module " + moduleName + " has not answered a call for " +
                     std::to_string(callTimeout.count() / 1000) + " s: hcbridged no longer uses it",
                 "Remove the practitioner card, check its reader, then restart the service "
                 "(systemctl restart hcbridged). If it happens again, report it to the module's "
                 "vendor.");
  }
};

namespace {

void workLoop(const std::shared_ptr<ModuleThread::State>& state) {
  std::unique_lock lock(state->mutex);
  for (;;) {
    state->changed.wait(lock, [&] { return state->stopping || !state->queue.empty(); });
    if (state->queue.empty()) return;  // stopping, nothing left
    auto [job, fail] = std::move(state->queue.front());
    state->queue.pop_front();
    state->runningSince = ModuleThread::State::Clock::now();
    state->runningFail = fail;
    lock.unlock();
    try {
      job();
    } catch (...) {
      lock.lock();
      // A call declared hung was answered by the watchdog already: answer once.
      const bool answered = state->isHung;
      lock.unlock();
      if (fail && !answered) fail(std::current_exception());
    }
    lock.lock();
    state->runningSince.reset();
    state->runningFail = nullptr;
    if (state->isHung) return;  // came back too late: the owner gave up on this thread
  }
}

std::atomic<bool> anyModuleHung{false};

void watchLoop(const std::shared_ptr<ModuleThread::State>& state) {
  std::unique_lock lock(state->mutex);
  // Also while stopping: the queued jobs still run, and may hang.
  while (!state->isHung) {
    if (state->stopping && state->queue.empty() && !state->runningSince) return;
    state->changed.wait_for(lock, std::chrono::milliseconds(200));
    if (!state->runningSince ||
        ModuleThread::State::Clock::now() - *state->runningSince < state->callTimeout) {
      continue;
    }
    state->isHung = true;
    anyModuleHung = true;
    auto queued = std::move(state->queue);
    state->queue.clear();
    auto running = std::move(state->runningFail);
    auto handler = state->hungHandler;
    const Error error = state->hungError();
    lock.unlock();
    if (running) running(std::make_exception_ptr(error));
    for (auto& [job, fail] : queued) {
      if (fail) fail(std::make_exception_ptr(error));
    }
    if (handler) handler();
    lock.lock();
  }
}

}  // namespace

bool aPkcs11ModuleHung() noexcept {
  return anyModuleHung;
}

ModuleThread::ModuleThread(std::string moduleName, std::chrono::milliseconds callTimeout)
    : state_(std::make_shared<State>()) {
  state_->moduleName = std::move(moduleName);
  state_->callTimeout = callTimeout;
  state_->worker = std::thread([state = state_] { workLoop(state); });
  state_->watchdog = std::thread([state = state_] { watchLoop(state); });
}

ModuleThread::~ModuleThread() {
  stop();
}

void ModuleThread::onHung(std::function<void()> handler) {
  std::lock_guard lock(state_->mutex);
  state_->hungHandler = std::move(handler);
}

bool ModuleThread::post(Job job, FailHandler fail) {
  std::exception_ptr refused;
  {
    std::lock_guard lock(state_->mutex);
    if (state_->isHung) {
      refused = std::make_exception_ptr(state_->hungError());
    } else if (state_->stopping) {
      refused = std::make_exception_ptr(
          Error(Errc::Cancelled, "the service is stopping", "Try again once it runs."));
    } else {
      state_->queue.emplace_back(std::move(job), std::move(fail));
      state_->changed.notify_all();
      return true;
    }
  }
  if (fail) fail(refused);
  return false;
}

bool ModuleThread::hung() const {
  std::lock_guard lock(state_->mutex);
  return state_->isHung;
}

void ModuleThread::throwIfHung() const {
  std::lock_guard lock(state_->mutex);
  if (state_->isHung) throw state_->hungError();
}

void ModuleThread::stop() {
  bool wasHung = false;
  {
    std::lock_guard lock(state_->mutex);
    if (state_->stopping) return;
    state_->stopping = true;
    wasHung = state_->isHung;
    state_->changed.notify_all();
  }
  state_->watchdog.join();  // returns once the worker is done, or hung
  // A hung worker is inside the module and may never return; the state it
  // uses stays alive through its own reference.
  if (wasHung || hung()) {
    state_->worker.detach();
  } else {
    state_->worker.join();
  }
}

}  // namespace hcbridge::core
