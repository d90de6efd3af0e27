#include "group_commit.hpp"

#include <algorithm>
#include <chrono>
#include <utility>

namespace hcbridge::audit {

GroupCommit::GroupCommit(WriteBatch writeBatch, std::size_t maxBatch)
    : writeBatch_(std::move(writeBatch)), maxBatch_(maxBatch), thread_([this] { run(); }) {}

GroupCommit::~GroupCommit() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void GroupCommit::enqueue(AuditRecord record, AuditWritten written) {
  bool wake = false;
  {
    std::lock_guard lock(mutex_);
    queue_.push_back({std::move(record), std::move(written)});
    wake = queue_.size() >= wakeWhenQueued_;
  }
  // Waking the writer for each line while it waits for a whole batch cost a
  // futex call on the network thread and a context switch per line.
  if (wake) wake_.notify_one();
}

void GroupCommit::run() {
  std::vector<AuditRecord> records;
  std::vector<AuditWritten> callers;
  std::size_t lastBatch = 0;
  std::chrono::steady_clock::duration lastWrite{};
  for (;;) {
    records.clear();
    callers.clear();
    {
      std::unique_lock lock(mutex_);
      wakeWhenQueued_ = 1;
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything asked for is written
      // The callers the last batch answered mostly come straight back with
      // their next line; starting without them would split them over two
      // fsyncs. So wait a little for as many as the last batch held: at
      // most a quarter of the last write (nothing on tmpfs), at most 1 ms.
      if (queue_.size() < lastBatch) {
        const auto patience = std::min<std::chrono::steady_clock::duration>(
            lastWrite / 4, std::chrono::milliseconds(1));
        wakeWhenQueued_ = lastBatch;
        wake_.wait_for(lock, patience, [&] { return stopping_ || queue_.size() >= lastBatch; });
        wakeWhenQueued_ = 1;
      }
      while (!queue_.empty() && records.size() < maxBatch_) {
        records.push_back(std::move(queue_.front().record));
        callers.push_back(std::move(queue_.front().written));
        queue_.pop_front();
      }
    }
    std::exception_ptr failure;
    const auto start = std::chrono::steady_clock::now();
    try {
      writeBatch_(records);
    } catch (...) {
      failure = std::current_exception();
    }
    lastWrite = std::chrono::steady_clock::now() - start;
    lastBatch = records.size();
    // Only now, durable or refused, may any caller answer.
    for (auto& written : callers) {
      try {
        if (written) written(failure);
      } catch (...) {
        // A caller's answer must not stop the writer for every other caller.
      }
    }
  }
}

}  // namespace hcbridge::audit
