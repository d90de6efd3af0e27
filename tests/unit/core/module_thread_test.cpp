// The thread that owns a PKCS#11 module: jobs in order, answers through
// run(), and the watchdog's verdict on a call that never returns.
#include "module_thread.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "hcbridge/error.hpp"
#include "hcbridge_test/expect_error.hpp"

namespace hcbridge::core {
namespace {

using namespace std::chrono_literals;
using hcbridge::testing::expectError;

// A gate a job waits at: the "hung module call" of these tests, opened at
// the end so that the left-behind thread finishes.
struct Gate {
  std::mutex mutex;
  std::condition_variable opened;
  bool open = false;
  void wait() {
    std::unique_lock lock(mutex);
    opened.wait(lock, [&] { return open; });
  }
  void release() {
    std::lock_guard lock(mutex);
    open = true;
    opened.notify_all();
  }
};

Errc codeOf(std::exception_ptr error) {
  try {
    std::rethrow_exception(error);
  } catch (const Error& e) {
    return e.code();
  }
}

TEST(ModuleThread, RunsJobsInOrderOnOneThreadAndAnswersRun) {
  ModuleThread thread("test.so", 5s);
  std::vector<int> order;
  std::thread::id first;
  std::thread::id second;
  for (int i = 0; i < 3; ++i) {
    thread.post([&order, i] { order.push_back(i); }, nullptr);
  }
  thread.post([&] { first = std::this_thread::get_id(); }, nullptr);
  thread.post([&] { second = std::this_thread::get_id(); }, nullptr);
  EXPECT_EQ(thread.run<int>([] { return 42; }), 42);
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2}));
  EXPECT_TRUE(first == second);
  EXPECT_TRUE(first != std::this_thread::get_id());
  expectError([&] { thread.run<int>([]() -> int { throw Error(Errc::CardRemoved, "gone"); }); },
              Errc::CardRemoved, "gone");
  EXPECT_FALSE(thread.hung());
}

TEST(ModuleThread, AJobThatThrowsReachesItsFailHandler) {
  ModuleThread thread("test.so", 5s);
  std::promise<Errc> failed;
  thread.post([] { throw Error(Errc::PinRequired, "login first"); },
              [&](std::exception_ptr error) { failed.set_value(codeOf(error)); });
  EXPECT_EQ(failed.get_future().get(), Errc::PinRequired);
}

TEST(ModuleThread, AHungCallFailsItsJobTheQueueAndLaterJobsThenStopReturns) {
  Gate gate;
  std::atomic<int> hungCalls{0};
  std::promise<void> told;
  std::promise<Errc> running;
  std::promise<Errc> queued;
  {
    ModuleThread thread("/opt/vendor/cps.so", 300ms);
    thread.onHung([&] {
      if (++hungCalls == 1) told.set_value();
    });
    thread.post([&] { gate.wait(); },
                [&](std::exception_ptr error) { running.set_value(codeOf(error)); });
    thread.post([] { FAIL() << "a job queued behind a hung call must not run"; },
                [&](std::exception_ptr error) { queued.set_value(codeOf(error)); });
    EXPECT_EQ(running.get_future().get(), Errc::Pkcs11ModuleFailed);
    EXPECT_EQ(queued.get_future().get(), Errc::Pkcs11ModuleFailed);
    EXPECT_TRUE(thread.hung());
    // The owner is told after the jobs are failed: wait for it (TSan's pace showed the order).
    EXPECT_EQ(told.get_future().wait_for(5s), std::future_status::ready);
    EXPECT_EQ(hungCalls.load(), 1);
    std::optional<Errc> later;
    EXPECT_FALSE(thread.post([] {}, [&](std::exception_ptr error) { later = codeOf(error); }));
    EXPECT_EQ(later, Errc::Pkcs11ModuleFailed);
    expectError([&] { thread.run<int>([] { return 1; }); }, Errc::Pkcs11ModuleFailed,
                "/opt/vendor/cps.so");
    thread.stop();  // returns although the call is still inside the "module"
  }
  gate.release();  // the left-behind thread finishes without answering twice
  std::this_thread::sleep_for(50ms);
}

TEST(ModuleThread, StopRunsWhatIsQueuedThenRefusesNewJobs) {
  ModuleThread thread("test.so", 5s);
  std::atomic<int> ran{0};
  for (int i = 0; i < 5; ++i) thread.post([&] { ++ran; }, nullptr);
  thread.stop();
  EXPECT_EQ(ran.load(), 5);
  std::optional<Errc> refused;
  EXPECT_FALSE(thread.post([] {}, [&](std::exception_ptr error) { refused = codeOf(error); }));
  EXPECT_EQ(refused, Errc::Cancelled);
}

}  // namespace
}  // namespace hcbridge::core
