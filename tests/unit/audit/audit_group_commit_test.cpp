// Group commit: asynchronous appends share write() and fsync(), answer only
// once their line is in the file, fail together and leave the file as it
// was, and keep the chain in the order of the calls.
#include <gtest/gtest.h>

#include <condition_variable>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "audit_test_support.hpp"
#include "hcbridge/audit_log.hpp"
#include "hcbridge/error.hpp"
#include "hcbridge_test/file_size_limit.hpp"
#include "support/temp_dir.hpp"

namespace hcbridge::testing {
namespace {

// Counts answers and lets a test hold the writer thread inside an answer.
class Answers {
 public:
  AuditWritten record(std::string name, bool holdWriter = false) {
    return [this, name = std::move(name), holdWriter](std::exception_ptr failure) {
      std::unique_lock lock(mutex_);
      order_.push_back(name);
      failures_.push_back(failure);
      changed_.notify_all();
      if (holdWriter) changed_.wait(lock, [this] { return released_; });
    };
  }
  void waitFor(std::size_t count) {
    std::unique_lock lock(mutex_);
    ASSERT_TRUE(
        changed_.wait_for(lock, std::chrono::seconds(30), [&] { return order_.size() >= count; }))
        << order_.size() << " of " << count << " answers";
  }
  void release() {
    std::lock_guard lock(mutex_);
    released_ = true;
    changed_.notify_all();
  }
  std::vector<std::string> order() {
    std::lock_guard lock(mutex_);
    return order_;
  }
  std::vector<std::exception_ptr> failures() {
    std::lock_guard lock(mutex_);
    return failures_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::string> order_;
  std::vector<std::exception_ptr> failures_;
  bool released_ = false;
};

AuditRecord recordFrom(const std::string& caller) {
  AuditRecord record = sampleRecord(1);
  record.caller = caller;
  return record;
}

// The writer is held inside the first line's answer while `count` more are
// queued: they must all go out as one batch.
void queueBehindAHeldWriter(AuditLog& log, Answers& answers, int count) {
  log.appendAsync(recordFrom("app first"), answers.record("app first", true));
  answers.waitFor(1);
  for (int i = 0; i < count; ++i) {
    const std::string name = "app queued-" + std::to_string(i);
    log.appendAsync(recordFrom(name), answers.record(name));
  }
}

TEST(AuditGroupCommit, LinesQueuedDuringAWriteShareTheNextWriteAndFsync) {
  TempDir dir;
  const auto file = dir / "audit.log";
  Answers answers;
  {
    auto log = openLog(file);
    queueBehindAHeldWriter(*log, answers, 100);
    answers.release();
    answers.waitFor(101);
    EXPECT_EQ(log->stats().lines, 101u);
    EXPECT_EQ(log->stats().batches, 2u) << "the 100 queued lines should share one fsync";
  }
  for (const auto& failure : answers.failures()) EXPECT_FALSE(failure);
  const auto result = verifyAuditLog(file, keyed());
  EXPECT_TRUE(result.ok) << "line " << result.firstBrokenLine << ": " << result.reason;
  EXPECT_EQ(result.lines, 101u);
}

TEST(AuditGroupCommit, TheChainAndTheAnswersFollowTheOrderOfTheCalls) {
  TempDir dir;
  const auto file = dir / "audit.log";
  Answers answers;
  {
    auto log = openLog(file);
    queueBehindAHeldWriter(*log, answers, 20);
    answers.release();
    answers.waitFor(21);
  }
  const auto order = answers.order();
  const auto lines = splitLines(readFile(file));
  ASSERT_EQ(lines.size(), order.size());
  for (std::size_t i = 0; i < lines.size(); ++i) {
    EXPECT_NE(lines[i].find("\"caller\":\"" + order[i] + "\""), std::string::npos)
        << "line " << i + 1 << " is not the " << i + 1 << "th append";
  }
}

TEST(AuditGroupCommit, NoAnswerBeforeItsLineIsInTheFile) {
  TempDir dir;
  const auto file = dir / "audit.log";
  std::mutex mutex;
  std::vector<std::string> missing;
  int answered = 0;
  std::condition_variable done;
  {
    auto log = openLog(file);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < 25; ++i) {
          const std::string name = "app t" + std::to_string(t) + "-" + std::to_string(i);
          log->appendAsync(recordFrom(name), [&, name](std::exception_ptr failure) {
            const bool inFile =
                !failure && readFile(file).find("\"" + name + "\"") != std::string::npos;
            std::lock_guard lock(mutex);
            if (!inFile) missing.push_back(name);
            ++answered;
            done.notify_all();
          });
        }
      });
    }
    for (auto& thread : threads) thread.join();
    std::unique_lock lock(mutex);
    ASSERT_TRUE(done.wait_for(lock, std::chrono::seconds(30), [&] { return answered == 100; }));
  }
  EXPECT_TRUE(missing.empty()) << missing.size() << " answers came before their line, e.g. "
                               << missing.front();
  EXPECT_TRUE(verifyAuditLog(file, keyed()).ok);
}

TEST(AuditGroupCommit, AFailedBatchFailsEveryLineAndLeavesTheFileAsItWas) {
  TempDir dir;
  const auto file = dir / "audit.log";
  Answers answers;
  auto log = openLog(file);
  std::string before;
  {
    queueBehindAHeldWriter(*log, answers, 10);
    answers.waitFor(1);
    before = readFile(file);  // the first line, written and synced
    // Room for a few more lines but not for the batch of 10: a partial write.
    FileSizeLimit limit(before.size() * 4);
    answers.release();
    answers.waitFor(11);
    EXPECT_EQ(readFile(file), before) << "the partial batch was not undone";
  }
  const auto failures = answers.failures();
  EXPECT_FALSE(failures[0]);
  for (std::size_t i = 1; i < failures.size(); ++i) {
    ASSERT_TRUE(failures[i]) << "queued line " << i << " was reported written";
    try {
      std::rethrow_exception(failures[i]);
    } catch (const Error& error) {
      EXPECT_EQ(error.code(), Errc::Internal);
      EXPECT_NE(std::string(error.what()).find(file.string()), std::string::npos);
    }
  }
  // The chain goes on from the last line that is in the file.
  log->append(recordFrom("app after"));
  log.reset();
  const auto result = verifyAuditLog(file, keyed());
  EXPECT_TRUE(result.ok) << "line " << result.firstBrokenLine << ": " << result.reason;
  EXPECT_EQ(result.lines, 2u);
}

TEST(AuditGroupCommit, ClosingTheLogWritesWhatIsQueued) {
  TempDir dir;
  const auto file = dir / "audit.log";
  Answers answers;
  {
    auto log = openLog(file);
    queueBehindAHeldWriter(*log, answers, 30);
    answers.release();
  }  // destroyed at once, with lines still queued
  EXPECT_EQ(answers.order().size(), 31u);
  for (const auto& failure : answers.failures()) EXPECT_FALSE(failure);
  EXPECT_EQ(verifyAuditLog(file, keyed()).lines, 31u);
}

TEST(AuditGroupCommit, ACheckpointFollowsABatchThatCrossesTheInterval) {
  TempDir dir;
  const auto file = dir / "audit.log";
  std::vector<std::string> checkpoints;
  std::mutex mutex;
  AuditLogOptions options;
  options.checkpointEvery = 10;
  options.systemLog = [&](const std::string& line) {
    std::lock_guard lock(mutex);
    checkpoints.push_back(line);
  };
  Answers answers;
  {
    auto log = openLog(file, std::move(options));
    queueBehindAHeldWriter(*log, answers, 24);  // lines 2..25 in one batch: crosses 10 and 20
    answers.release();
    answers.waitFor(25);
  }
  std::lock_guard lock(mutex);
  ASSERT_EQ(checkpoints.size(), 2u);  // at open (seq 0) and after the batch (seq 25)
  const auto parsed = parseCheckpoints(checkpoints[1]);
  ASSERT_EQ(parsed.size(), 1u);
  EXPECT_EQ(parsed[0].seq, 25u);
  EXPECT_TRUE(verifyAuditLog(file, keyed(parsed)).ok);
}

// The service hands each batch's answers to its network thread in one job
// (deliverWritten): nothing is answered before that job runs, then every
// caller of the batch in order, on the thread that runs it.
TEST(AuditGroupCommit, ABatchsAnswersAreDeliveredAsOneJobInOrder) {
  TempDir dir;
  const auto file = dir / "audit.log";
  std::mutex mutex;
  std::condition_variable delivered;
  std::vector<std::function<void()>> jobs;
  AuditLogOptions options;
  options.deliverWritten = [&](std::function<void()> callBatch) {
    std::lock_guard lock(mutex);
    jobs.push_back(std::move(callBatch));
    delivered.notify_all();
  };
  std::vector<std::string> order;
  std::vector<std::thread::id> threads;
  auto answer = [&](std::string name) -> AuditWritten {
    return [&, name = std::move(name)](std::exception_ptr failure) {
      EXPECT_FALSE(failure);
      order.push_back(name);
      threads.push_back(std::this_thread::get_id());
    };
  };
  auto log = openLog(file, std::move(options));
  for (int i = 0; i < 30; ++i) {
    const std::string name = "app line-" + std::to_string(i);
    log->appendAsync(recordFrom(name), answer(name));
  }
  std::vector<std::function<void()>> taken;
  {
    std::unique_lock lock(mutex);
    // Every line written, and one job delivered for each batch.
    ASSERT_TRUE(delivered.wait_for(lock, std::chrono::seconds(30), [&] {
      const AuditLogStats stats = log->stats();
      return stats.lines == 30u && static_cast<std::uint64_t>(jobs.size()) == stats.batches;
    }));
    taken.swap(jobs);
  }
  EXPECT_TRUE(order.empty()) << "an answer ran before its batch's job";
  EXPECT_LE(taken.size(), 30u);
  for (auto& job : taken) job();
  ASSERT_EQ(order.size(), 30u);
  for (std::size_t i = 0; i < order.size(); ++i) {
    EXPECT_EQ(order[i], "app line-" + std::to_string(i));
    EXPECT_EQ(threads[i], std::this_thread::get_id());
  }
}

}  // namespace
}  // namespace hcbridge::testing
