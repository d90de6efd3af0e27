// Reader and card events from blocking SCardGetStatusChange, with automatic
// recovery when pcscd stops and starts again.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "hcbridge/pcsc_transport.hpp"
#include "hcbridge/transport.hpp"
#include "pcsc_context.hpp"

namespace hcbridge::pcsc {

class PcscWatcher : public ReaderWatcher {
 public:
  explicit PcscWatcher(const Options& options);

  std::vector<ReaderInfo> snapshot() override;
  std::vector<ReaderEvent> next(std::optional<std::chrono::milliseconds> timeout) override;
  void cancel() override;

 private:
  using Clock = std::chrono::steady_clock;

  // Connects and takes the current state as the new reader list; returns the
  // events that lead from the old baseline to it.
  std::vector<ReaderEvent> refresh();
  // Handles the loss of pcscd: the readers are gone until it returns.
  std::vector<ReaderEvent> serviceLost();
  // Sleeps for the current backoff (or until cancel / the deadline).
  void backoff(std::optional<Clock::time_point> deadline);
  void throwIfCancelled();

  Options options_;
  std::shared_ptr<Context> context_;  // guarded by mutex_ for cancel()
  std::vector<ReaderInfo> baseline_;
  std::vector<DWORD> states_;         // raw state of each baseline reader
  bool serviceWasLost_ = false;
  std::chrono::milliseconds delay_;

  std::mutex mutex_;
  std::condition_variable wake_;
  bool cancelled_ = false;
  bool waiting_ = false;  // inside SCardGetStatusChange
};

// Events that turn `before` into `after`.
std::vector<ReaderEvent> diffReaders(const std::vector<ReaderInfo>& before,
                                     const std::vector<ReaderInfo>& after);

}  // namespace hcbridge::pcsc
