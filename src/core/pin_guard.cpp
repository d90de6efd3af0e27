#include "pin_guard.hpp"

#include <algorithm>

#include "hcbridge/error.hpp"

namespace hcbridge::core {
namespace {

std::chrono::seconds roundedUp(PinGuard::Clock::duration wait) {
  return std::max(std::chrono::seconds(1), std::chrono::ceil<std::chrono::seconds>(wait));
}

}  // namespace

PinGuard::PinGuard(std::vector<std::chrono::milliseconds> delays) : delays_(std::move(delays)) {}

void PinGuard::admit(const std::string& cardKey, const api::SessionCaller& caller,
                     const PinStatus& status, bool confirmLastTry,
                     const std::string& pinBlockedHint, Clock::time_point now) const {
  if (status.blocked || (status.triesLeft == 0 && status.maxTries > 0)) {
    throw PinError(Errc::PinBlocked, 0, "the practitioner card's PIN is blocked", pinBlockedHint);
  }
  // An unconfirmed last try is refused first: the user has something to do
  // before any wait matters.
  if (status.triesLeft == 1 && !confirmLastTry) {
    throw PinError(Errc::PinLastTry, 1,
                   "the practitioner card has one PIN try left; the PIN was not sent",
                   "Check the PIN, then send it again with \"confirmLastTry\": true. A wrong PIN "
                   "now blocks the card.");
  }
  std::optional<CardRecord> record;
  {
    std::lock_guard lock(mutex_);
    if (const auto it = cards_.find(cardKey); it != cards_.end()) record = it->second;
  }
  if (record && now < record->notBefore) {
    const auto wait = roundedUp(record->notBefore - now);
    throw RetryLaterError(
        Errc::PinAttemptTooSoon, wait,
        "a wrong PIN was sent to this card moments ago; the PIN was not sent",
        "Wait " + std::to_string(wait.count()) + " s, check the PIN, then try again.");
  }
  if (status.triesLeft != 1) return;
  // Whoever spent the tries before must be the one who risks the last.
  if (record && record->failures > 0 && !api::sameCaller(record->lastFailedBy, caller)) {
    throw PinError(Errc::PinLastTry, 1,
                   "the practitioner card has one PIN try left, and only the application that "
                   "made the previous wrong attempt may confirm it; the PIN was not sent",
                   "Enter the PIN in the application where it was refused, or unblock the card's "
                   "counter with a correct PIN there.");
  }
}

void PinGuard::recordFailure(const std::string& cardKey, const api::SessionCaller& caller,
                             Clock::time_point now) {
  std::lock_guard lock(mutex_);
  CardRecord& record = cards_[cardKey];
  ++record.failures;
  record.lastFailedBy = caller;
  if (!delays_.empty()) {
    const std::size_t index =
        std::min(static_cast<std::size_t>(record.failures) - 1, delays_.size() - 1);
    record.notBefore = now + delays_[index];
  }
}

void PinGuard::recordSuccess(const std::string& cardKey) {
  std::lock_guard lock(mutex_);
  cards_.erase(cardKey);
}

}  // namespace hcbridge::core
