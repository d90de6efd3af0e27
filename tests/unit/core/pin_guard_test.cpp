// The PIN guard alone, on a clock the test moves: the waits after wrong
// PINs, the order of its refusals, and who may confirm a last try.
#include "pin_guard.hpp"

#include <gtest/gtest.h>

#include "hcbridge/error.hpp"

namespace hcbridge::core {
namespace {

using namespace std::chrono_literals;
using Clock = PinGuard::Clock;

const api::SessionCaller kAlice{"origin https://a.example", 1000};
const api::SessionCaller kMallory{"origin https://m.example", 1000};
const std::string kCard = "card-serial-hash";
const Clock::time_point kStart{};

PinStatus tries(int left) {
  PinStatus status;
  status.triesLeft = left;
  status.maxTries = 3;
  return status;
}

// The refusal's id, or "" when the attempt may go to the card.
std::string verdict(const PinGuard& guard, const api::SessionCaller& caller, int triesLeft,
                    bool confirm, Clock::time_point now) {
  try {
    guard.admit(kCard, caller, tries(triesLeft), confirm, "ask the issuer", now);
    return "";
  } catch (const Error& e) {
    return std::string(e.id());
  }
}

TEST(PinGuard, EachWrongPinInARowWaitsLongerAndTheLastWaitRepeats) {
  PinGuard guard({1s, 5s});
  EXPECT_EQ(verdict(guard, kAlice, 3, false, kStart), "");
  guard.recordFailure(kCard, kAlice, kStart);
  EXPECT_EQ(verdict(guard, kAlice, 2, false, kStart + 999ms), "pin-attempt-too-soon");
  EXPECT_EQ(verdict(guard, kAlice, 2, false, kStart + 1s), "");
  guard.recordFailure(kCard, kAlice, kStart + 1s);
  EXPECT_EQ(verdict(guard, kAlice, 2, false, kStart + 5999ms), "pin-attempt-too-soon");
  EXPECT_EQ(verdict(guard, kAlice, 2, false, kStart + 6s), "");
  guard.recordFailure(kCard, kAlice, kStart + 6s);
  EXPECT_EQ(verdict(guard, kAlice, 2, false, kStart + 10s), "pin-attempt-too-soon");
  EXPECT_EQ(verdict(guard, kAlice, 2, false, kStart + 11s), "");
}

TEST(PinGuard, TheWaitIsSaidInWholeSecondsRoundedUp) {
  PinGuard guard({1500ms});
  guard.recordFailure(kCard, kAlice, kStart);
  try {
    guard.admit(kCard, kAlice, tries(2), false, "", kStart + 100ms);
    FAIL() << "admitted during the wait";
  } catch (const RetryLaterError& e) {
    EXPECT_EQ(e.retryAfter(), 2s);
  }
}

TEST(PinGuard, ASuccessForgetsTheCardsFailures) {
  PinGuard guard({1s});
  guard.recordFailure(kCard, kAlice, kStart);
  guard.recordSuccess(kCard);
  EXPECT_EQ(verdict(guard, kMallory, 3, false, kStart), "");
  EXPECT_EQ(verdict(guard, kMallory, 1, true, kStart), "");
}

TEST(PinGuard, OtherCardsAreNotSlowedDown) {
  PinGuard guard({1s});
  guard.recordFailure("another card", kAlice, kStart);
  EXPECT_EQ(verdict(guard, kAlice, 3, false, kStart), "");
}

TEST(PinGuard, ABlockedCardComesFirstThenTheUnconfirmedLastTry) {
  PinGuard guard({1s});
  guard.recordFailure(kCard, kAlice, kStart);
  EXPECT_EQ(verdict(guard, kAlice, 0, true, kStart), "pin-blocked");
  PinStatus blocked = tries(2);
  blocked.blocked = true;
  EXPECT_THROW(guard.admit(kCard, kAlice, blocked, true, "", kStart), PinError);
  EXPECT_EQ(verdict(guard, kAlice, 1, false, kStart), "pin-last-try");
  EXPECT_EQ(verdict(guard, kAlice, 1, true, kStart), "pin-attempt-too-soon");
}

TEST(PinGuard, OnlyWhoFailedLastMayConfirmTheLastTry) {
  PinGuard guard({});
  guard.recordFailure(kCard, kAlice, kStart);
  guard.recordFailure(kCard, kAlice, kStart);
  EXPECT_EQ(verdict(guard, kMallory, 1, true, kStart), "pin-last-try");
  const api::SessionCaller aliceAsAnotherUser{kAlice.identity, 1001};
  EXPECT_EQ(verdict(guard, aliceAsAnotherUser, 1, true, kStart), "pin-last-try");
  EXPECT_EQ(verdict(guard, kAlice, 1, true, kStart), "");
  // Nothing known of this card: the practitioner's confirmation suffices.
  PinGuard fresh({});
  EXPECT_EQ(verdict(fresh, kMallory, 1, true, kStart), "");
}

}  // namespace
}  // namespace hcbridge::core
