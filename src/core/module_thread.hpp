// The one thread that calls into a PKCS#11 module, with a watchdog. A
// module is foreign code that may hang (a mute card behind a driver that
// never times out): a call that has not returned after the call timeout
// marks the module hung, fails the running job, every queued and every
// later job with pkcs11-module-failed, and tells the owner once (onHung),
// so the service stays up and says why the practitioner card stopped
// working. The hung thread cannot be cancelled: it is left behind
// (detached) at stop. A job whose module call comes back after that must
// not answer again: it checks hung() after each call (Pkcs11Token does).
#pragma once

#include <chrono>
#include <exception>
#include <functional>
#include <future>
#include <memory>
#include <string>

namespace hcbridge::core {

class ModuleThread {
 public:
  using Job = std::function<void()>;
  using FailHandler = std::function<void(std::exception_ptr)>;

  // moduleName names the module in errors.
  ModuleThread(std::string moduleName, std::chrono::milliseconds callTimeout);
  ~ModuleThread();
  ModuleThread(const ModuleThread&) = delete;
  ModuleThread& operator=(const ModuleThread&) = delete;

  // Called once, on the watchdog's thread, when a call hangs.
  void onHung(std::function<void()> handler);
  // Queues job; false (after fail) when the module hung or the thread stopped.
  bool post(Job job, FailHandler fail);
  // Runs job on the thread and waits for it: returns what it returns, throws
  // what it throws, or pkcs11-module-failed when the module hangs meanwhile.
  template <typename Result>
  Result run(std::function<Result()> job) {
    auto task = std::make_shared<std::packaged_task<Result()>>(std::move(job));
    auto result = task->get_future();
    std::exception_ptr refused;
    if (!post([task] { (*task)(); }, [&refused](std::exception_ptr error) { refused = error; })) {
      std::rethrow_exception(refused);
    }
    waitFor(result);
    return result.get();
  }
  // True once a call hung.
  bool hung() const;
  // Runs the queued jobs, then ends the thread (detaches it when hung). Idempotent.
  void stop();

  struct State;  // shared with the worker thread (src/core/module_thread.cpp)

 private:
  // Waits for a job's future, at most the call timeout plus the watchdog's
  // reaction time; throws the hung module's error when it does not come.
  template <typename Future>
  void waitFor(Future& result) {
    while (result.wait_for(std::chrono::milliseconds(100)) != std::future_status::ready) {
      throwIfHung();
    }
  }
  void throwIfHung() const;

  std::shared_ptr<State> state_;
};

}  // namespace hcbridge::core
