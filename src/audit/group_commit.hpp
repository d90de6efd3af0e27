// The audit log's writer thread: lines asked for while it writes and syncs
// one batch wait together and go out as the next batch, so concurrent reads
// share one write() and one fsync() (group commit). It knows nothing of the
// log's format: it hands each batch to `writeBatch` and tells every caller
// the batch's fate.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "hcbridge/audit_log.hpp"

namespace hcbridge::audit {

class GroupCommit {
 public:
  // Writes the records, in order, durably; throws when they are not.
  using WriteBatch = std::function<void(const std::vector<AuditRecord>& records)>;

  // Runs one batch's callbacks (a job calling them in order); empty: on the
  // writer thread.
  using Deliver = std::function<void(std::function<void()> callBatch)>;

  GroupCommit(WriteBatch writeBatch, std::size_t maxBatch, Deliver deliver = {});
  // Writes what is queued, then stops the thread.
  ~GroupCommit();
  GroupCommit(const GroupCommit&) = delete;
  GroupCommit& operator=(const GroupCommit&) = delete;

  void enqueue(AuditRecord record, AuditWritten written);

 private:
  struct Pending {
    AuditRecord record;
    AuditWritten written;
  };
  void run();
  // One write() and fsync() for `count` lines, then their callers' answers.
  void writeAndAnswer(Pending* pending, std::size_t count);

  WriteBatch writeBatch_;
  std::size_t maxBatch_;
  Deliver deliver_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<Pending> queue_;
  // enqueue wakes the writer once the queue holds this many lines: 1 when
  // it waits for any line, the last batch's size while it waits for a batch.
  std::size_t wakeWhenQueued_ = 1;
  bool stopping_ = false;
  std::thread thread_;  // last: it starts once everything above is built
};

}  // namespace hcbridge::audit
