#include "group_commit.hpp"

#include <algorithm>
#include <chrono>
#include <utility>

namespace hcbridge::audit {

GroupCommit::GroupCommit(WriteBatch writeBatch, std::size_t maxBatch, Deliver deliver)
    : writeBatch_(std::move(writeBatch)),
      maxBatch_(maxBatch),
      deliver_(std::move(deliver)),
      thread_([this] { run(); }) {}

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
  // Swapped with the queue under the lock, so the callers' Pending storage
  // is not freed here: memory goes back where it came from, but for two
  // vectors per batch (freeing another thread's memory line by line made
  // both threads contend for malloc's arena lock, issue 17).
  std::vector<Pending> taken;
  std::size_t lastBatch = 0;
  std::chrono::steady_clock::duration lastWrite{};
  for (;;) {
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
      taken.swap(queue_);
    }
    const auto start = std::chrono::steady_clock::now();
    for (std::size_t first = 0; first < taken.size(); first += maxBatch_) {
      writeAndAnswer(taken.data() + first, std::min(maxBatch_, taken.size() - first));
    }
    lastWrite = std::chrono::steady_clock::now() - start;
    lastBatch = taken.size();
    taken.clear();  // moved from: frees nothing
  }
}

void GroupCommit::writeAndAnswer(Pending* pending, std::size_t count) {
  std::vector<AuditRecord> records;
  std::vector<AuditWritten> callers;
  records.reserve(count);
  callers.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    records.push_back(std::move(pending[i].record));
    callers.push_back(std::move(pending[i].written));
  }
  std::exception_ptr failure;
  try {
    writeBatch_(records);
  } catch (...) {
    failure = std::current_exception();
  }
  // Only now, durable or refused, may any caller answer. The records go
  // with the answers, to be freed where they were made.
  auto callBatch = [batch = std::move(callers), madeThere = std::move(records), failure] {
    static_cast<void>(madeThere);  // held only to be freed on the thread that runs this
    for (const auto& written : batch) {
      try {
        if (written) written(failure);
      } catch (...) {
        // A caller's answer must not keep the others from theirs.
      }
    }
  };
  if (!deliver_) return callBatch();
  try {
    deliver_(std::move(callBatch));
  } catch (...) {
    // Nowhere to deliver them (out of memory): the callers are not
    // answered, as if the service stopped; the writer goes on.
  }
}

}  // namespace hcbridge::audit
