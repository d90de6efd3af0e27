#include "pcsc_watcher.hpp"

#include <pcsclite.h>

#include <algorithm>
#include <thread>

#include "hcbridge/error.hpp"
#include "pcsc_error.hpp"

namespace hcbridge::pcsc {

std::vector<ReaderEvent> diffReaders(const std::vector<ReaderInfo>& before,
                                     const std::vector<ReaderInfo>& after) {
  auto byName = [](const std::vector<ReaderInfo>& list, const std::string& name) {
    auto it = std::find_if(list.begin(), list.end(),
                           [&](const ReaderInfo& r) { return r.name == name; });
    return it == list.end() ? nullptr : &*it;
  };
  std::vector<ReaderEvent> events;
  for (const auto& old : before) {
    const ReaderInfo* now = byName(after, old.name);
    if (old.cardPresent && (!now || !now->cardPresent || now->atr != old.atr)) {
      events.push_back({ReaderEventKind::CardRemoved, old.name, {}});
    }
    if (!now) events.push_back({ReaderEventKind::ReaderRemoved, old.name, {}});
  }
  for (const auto& now : after) {
    const ReaderInfo* old = byName(before, now.name);
    if (!old) events.push_back({ReaderEventKind::ReaderAdded, now.name, {}});
    if (now.cardPresent && (!old || !old->cardPresent || old->atr != now.atr)) {
      events.push_back({ReaderEventKind::CardInserted, now.name, now.atr});
    }
  }
  return events;
}

PcscWatcher::PcscWatcher(const Options& options)
    : options_(options), delay_(options.reconnectMinDelay) {}

std::vector<ReaderInfo> PcscWatcher::snapshot() {
  if (!context_) refresh();
  return baseline_;
}

void PcscWatcher::cancel() {
  std::unique_lock lock(mutex_);
  cancelled_ = true;
  wake_.notify_all();
  // SCardCancel only stops a wait already under way; one that is about to
  // start would miss it. So repeat until the waiter is out (bounded: the
  // waiter leaves as soon as a cancel reaches pcscd).
  while (waiting_ && context_) {
    SCardCancel(context_->handle());
    wake_.wait_for(lock, std::chrono::milliseconds(20), [this] { return !waiting_; });
  }
}

void PcscWatcher::throwIfCancelled() {
  std::lock_guard lock(mutex_);
  if (cancelled_) {
    cancelled_ = false;
    throw Error(Errc::Cancelled, "Waiting for reader events was cancelled");
  }
}

std::vector<ReaderEvent> PcscWatcher::refresh() {
  if (!context_) {
    auto context = Context::establish();
    std::lock_guard lock(mutex_);
    context_ = std::move(context);
  }
  std::vector<DWORD> states;
  auto readers = queryReaders(context_->handle(), listReaderNames(context_->handle()), &states);
  auto events = diffReaders(baseline_, readers);
  // pcsc-lite counts card events in the upper 16 bits: a card pulled and put
  // back between two wake-ups shows only there.
  for (std::size_t i = 0; i < readers.size(); ++i) {
    for (std::size_t j = 0; j < baseline_.size(); ++j) {
      if (baseline_[j].name != readers[i].name) continue;
      const bool sameCard = baseline_[j].cardPresent && readers[i].cardPresent &&
                            baseline_[j].atr == readers[i].atr;
      if (sameCard && (states_[j] >> 16) != (states[i] >> 16)) {
        events.push_back({ReaderEventKind::CardRemoved, readers[i].name, {}});
        events.push_back({ReaderEventKind::CardInserted, readers[i].name, readers[i].atr});
      }
    }
  }
  baseline_ = std::move(readers);
  states_ = std::move(states);
  delay_ = options_.reconnectMinDelay;
  if (serviceWasLost_) {
    serviceWasLost_ = false;
    events.insert(events.begin(), {ReaderEventKind::ServiceRestored, {}, {}});
  }
  return events;
}

std::vector<ReaderEvent> PcscWatcher::serviceLost() {
  {
    std::lock_guard lock(mutex_);
    context_.reset();
  }
  auto events = diffReaders(baseline_, {});
  events.insert(events.begin(), {ReaderEventKind::ServiceLost, {}, {}});
  baseline_.clear();
  states_.clear();
  serviceWasLost_ = true;
  return events;
}

void PcscWatcher::backoff(std::optional<Clock::time_point> deadline) {
  std::unique_lock lock(mutex_);
  auto until = Clock::now() + delay_;
  if (deadline && *deadline < until) until = *deadline;
  wake_.wait_until(lock, until, [this] { return cancelled_; });
  delay_ = std::min(delay_ * 2, options_.reconnectMaxDelay);
}

std::vector<ReaderEvent> PcscWatcher::next(std::optional<std::chrono::milliseconds> timeout) {
  std::optional<Clock::time_point> deadline;
  if (timeout) deadline = Clock::now() + *timeout;
  auto remainingMs = [&]() -> DWORD {
    if (!deadline) return INFINITE;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*deadline -
                                                                            Clock::now());
    return static_cast<DWORD>(std::max<std::int64_t>(0, left.count()));
  };

  for (;;) {
    throwIfCancelled();
    if (!context_) {
      try {
        auto events = refresh();
        if (!events.empty()) return events;
      } catch (const Error& error) {
        if (error.code() != Errc::PcscUnavailable) throw;
        if (!serviceWasLost_) return serviceLost();
        if (deadline && Clock::now() >= *deadline) return {};
        backoff(deadline);
        continue;
      }
    }

    // Block on every known reader plus the PnP pseudo-reader, each with the
    // state we last saw, so any difference wakes us (no polling).
    std::vector<SCARD_READERSTATE> wait(baseline_.size() + 1);
    for (std::size_t i = 0; i < baseline_.size(); ++i) {
      wait[i].szReader = baseline_[i].name.c_str();
      wait[i].dwCurrentState = states_[i];
    }
    wait.back().szReader = kPnpReaderName;
    wait.back().dwCurrentState = static_cast<DWORD>(baseline_.size() << 16);

    {
      std::lock_guard lock(mutex_);
      if (cancelled_) continue;  // the loop top throws
      waiting_ = true;
    }
    const LONG rv = SCardGetStatusChange(context_->handle(), remainingMs(), wait.data(),
                                         static_cast<DWORD>(wait.size()));
    {
      std::lock_guard lock(mutex_);
      waiting_ = false;
      wake_.notify_all();
    }
    if (rv == SCARD_E_TIMEOUT) return {};
    if (rv == SCARD_E_CANCELLED) continue;  // the loop top reports a cancel()
    if (isServiceLoss(rv)) return serviceLost();
    if (rv != SCARD_S_SUCCESS && rv != SCARD_E_UNKNOWN_READER &&
        rv != SCARD_E_READER_UNAVAILABLE) {
      throwPcscError(rv, "Waiting for reader events");
    }
    // Something changed (or a reader vanished): re-read the whole state.
    try {
      auto events = refresh();
      if (!events.empty()) return events;
    } catch (const Error& error) {
      if (error.code() != Errc::PcscUnavailable) throw;
      return serviceLost();
    }
    if (deadline && Clock::now() >= *deadline) return {};
  }
}

}  // namespace hcbridge::pcsc
