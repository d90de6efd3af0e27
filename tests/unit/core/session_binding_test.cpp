// The practitioner's authority belongs to the practitioner (issue 14): the
// session is bound to its opener (token, caller, local user), a PIN attempt
// from another caller waits for the session to end, wrong PINs slow the next
// attempt, only the caller who spent the tries may spend the last one, and a
// record access without the patient's card follows card_absent_access.
// Each attack of the issue, as the service met it, is a test here.
#include "practitioner_session_fixture.hpp"

namespace hcbridge::core {
namespace {

using Mode = AuthenticationSettings::CardAbsentAccess;

// gtest wants one fixture class per suite name, and each file's is its own.
class SessionBindingTest : public PractitionerSessionTest {};

std::chrono::seconds retryAfterOf(const JsonOutcome& outcome) {
  try {
    if (outcome.error) std::rethrow_exception(outcome.error);
  } catch (const RetryLaterError& e) {
    return e.retryAfter();
  } catch (...) {
  }
  return std::chrono::seconds(-1);
}

// ------------------------------------------------------------- the token

TEST_F(SessionBindingTest, TheOpenerGetsALongRandomTokenOthersNever) {
  startWithCard("cps-demo");
  ASSERT_EQ(open("1234").id(), "ok");
  const std::string first = token_;
  // base64url of 32 random bytes: 43 characters, 256 bits.
  EXPECT_EQ(first.size(), 43u);
  EXPECT_EQ(
      first.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
      std::string::npos);
  ASSERT_EQ(open("1234").id(), "ok");  // the same caller replaces its session
  EXPECT_NE(token_, first);
  // Events say a session opened, never its token.
  EXPECT_EQ(events_.countOf("practitioner.session.opened"), 2);
  for (const std::string& token : {first, token_}) {
    EXPECT_EQ(events_.countOf(token), 0);
  }
}

TEST_F(SessionBindingTest, OnlyTheOpenerWithItsTokenUsesTheSession) {
  startWithCard("cps-demo");
  ASSERT_EQ(open("1234").id(), "ok");
  const api::SessionClaim noToken{kOwner, ""};
  const api::SessionClaim wrongToken{kOwner, std::string(43, 'A')};
  const api::SessionClaim otherOrigin{kOtherOrigin, token_};
  const api::SessionClaim otherUser{kOtherUser, token_};
  for (const auto& claim : {noToken, wrongToken, otherOrigin, otherUser}) {
    SCOPED_TRACE(claim.caller.identity + " token " + claim.token.substr(0, 4));
    EXPECT_EQ(authenticate(kOrigin, kNonce, claim).code(), "session-not-yours");
    EXPECT_EQ(recordAccess(forGivenPatient(), claim).code(), "session-not-yours");
    EXPECT_THROW(manager_->claimPractitionerSession(claim), Error);
    EXPECT_EQ(close(claim).code(), "session-not-yours");
  }
  // Nothing of that touched the card or the session.
  EXPECT_EQ(wire_.count(kInternalAuthenticate), 1);  // the opening's proof only
  EXPECT_EQ(manager_->claimPractitionerSession(ownClaim()), "cps 10101201234");
  EXPECT_EQ(authenticate().id(), "ok");
  EXPECT_EQ(close().result, json({{"closed", true}}));
}

// A user the service could not find (no /proc/self/net) matches nobody:
// the check refuses rather than passes blind.
TEST_F(SessionBindingTest, AnUnknownLocalUserNeitherOpensNorUsesASession) {
  auto card = startWithCard("cps-demo");
  const api::SessionCaller unknown{kOwner.identity, std::nullopt};
  EXPECT_EQ(open("1234", false, unknown).code(), "session-not-yours");
  EXPECT_EQ(wire_.count(kVerify, true), 0);
  ASSERT_EQ(open("1234").id(), "ok");
  EXPECT_EQ(authenticate(kOrigin, kNonce, api::SessionClaim{unknown, token_}).code(),
            "session-not-yours");
  EXPECT_EQ(open("1234", false, unknown).code(), "session-not-yours");
  EXPECT_EQ(card->pinTriesLeft(0x01), 3);
}

TEST_F(SessionBindingTest, WithoutASessionTheClaimSaysOpenOne) {
  startWithCard("cps-demo");
  EXPECT_EQ(authenticate(kOrigin, kNonce, api::SessionClaim{kOwner, "x"}).code(),
            "practitioner-session-required");
  EXPECT_EQ(close(api::SessionClaim{kOtherOrigin, ""}).result, json({{"closed", false}}));
}

// ------------------------------------------------------------- the PIN

TEST_F(SessionBindingTest, AnotherCallerMayNotTryAPinWhileTheSessionIsOpen) {
  auto card = startWithCard("cps-demo");
  ASSERT_EQ(open("1234").id(), "ok");
  for (const auto& caller : {kOtherOrigin, kOtherUser}) {
    EXPECT_EQ(open("9999", false, caller).code(), "session-busy");
    EXPECT_EQ(open("1234", false, caller).code(), "session-busy");
  }
  EXPECT_EQ(wire_.count(kVerify, true), 1);
  EXPECT_EQ(card->pinTriesLeft(0x01), 3);
  EXPECT_EQ(manager_->claimPractitionerSession(ownClaim()), "cps 10101201234");
  // Once it is closed, anyone may open one.
  ASSERT_EQ(close().id(), "ok");
  EXPECT_EQ(open("1234", false, kOtherOrigin).id(), "ok");
}

TEST_F(SessionBindingTest, AfterAWrongPinTheNextAttemptWaitsAndSpendsNothing) {
  AuthenticationSettings settings = trusted();
  settings.pinRetryDelays = {400ms, 5s};
  auto card = startWithCard("cps-demo", std::move(settings));
  EXPECT_EQ(open("9999").code(), "pin-incorrect");
  // The attack: three wrong PINs in a few milliseconds. The second is not sent.
  const JsonOutcome tooSoon = open("9999");
  EXPECT_EQ(tooSoon.code(), "pin-attempt-too-soon");
  EXPECT_EQ(retryAfterOf(tooSoon), 1s);
  EXPECT_EQ(open("1234", false, kOtherOrigin).code(), "pin-attempt-too-soon");
  EXPECT_EQ(card->pinTriesLeft(0x01), 2);
  EXPECT_EQ(wire_.count(kVerify, true), 1);
  // After the wait, an attempt goes to the card; a second wrong PIN waits longer.
  std::this_thread::sleep_for(450ms);
  EXPECT_EQ(open("9999").code(), "pin-incorrect");
  EXPECT_EQ(open("1234").code(), "pin-last-try");  // said first: the user must confirm anyway
  EXPECT_EQ(retryAfterOf(open("1234", true)), 5s);
  EXPECT_EQ(card->pinTriesLeft(0x01), 1);
  EXPECT_EQ(manager_->practitionerSession(), std::nullopt);
}

TEST_F(SessionBindingTest, OnlyTheCallerWhoSpentTheTriesMayConfirmTheLast) {
  auto card = startWithCard("cps-demo");
  EXPECT_EQ(open("9999").code(), "pin-incorrect");
  EXPECT_EQ(open("9999").code(), "pin-incorrect");
  // Another page or user confirming the last try would block the card.
  for (const auto& caller : {kOtherOrigin, kOtherUser}) {
    const JsonOutcome refused = open("0000", true, caller);
    EXPECT_EQ(refused.code(), "pin-last-try");
    EXPECT_NE(refused.id().find("only the application that made the previous wrong attempt"),
              std::string::npos)
        << refused.id();
  }
  EXPECT_EQ(card->pinTriesLeft(0x01), 1);
  EXPECT_EQ(open("1234", true).id(), "ok");
  EXPECT_EQ(card->pinTriesLeft(0x01), 3);
}

TEST_F(SessionBindingTest, ACardWhoseTriesWereSpentElsewhereMayBeConfirmedByItsUser) {
  auto card = startWithCard("cps-demo");
  EXPECT_EQ(open("9999").code(), "pin-incorrect");
  EXPECT_EQ(open("9999").code(), "pin-incorrect");
  // A service that did not see the wrong attempts (restarted, another
  // workstation) has no caller to prefer: the practitioner confirms.
  subscription_.reset();
  manager_.reset();
  start();
  ASSERT_TRUE(waitForType(kReader0, "cps"));
  EXPECT_EQ(open("1234", false, kOtherOrigin).code(), "pin-last-try");
  EXPECT_EQ(open("1234", true, kOtherOrigin).id(), "ok");
  EXPECT_EQ(card->pinTriesLeft(0x01), 3);
}

// ----------------------------------------------- records without the patient's card

TEST_F(SessionBindingTest, CardAbsentAccessPinNeedsThePinForEachAssertion) {
  AuthenticationSettings settings = trusted();
  settings.cardAbsentAccess = Mode::Pin;
  auto card = startWithCard("cps-demo", std::move(settings));
  ASSERT_EQ(open("1234").id(), "ok");
  const int verifiesAtOpening = wire_.count(kVerify, true);

  EXPECT_EQ(recordAccess(forGivenPatient()).code(), "pin-required");
  EXPECT_EQ(wire_.count(kVerify, true), verifiesAtOpening);

  const RecordOutcome issued = recordAccess(forGivenPatient("1234"));
  ASSERT_EQ(issued.id(), "ok");
  EXPECT_EQ(issued.result.claims["patient"]["idType"], "given");
  EXPECT_EQ(wire_.count(kVerify, true), verifiesAtOpening + 1);

  const RecordOutcome wrong = recordAccess(forGivenPatient("9999"));
  EXPECT_EQ(wrong.code(), "pin-incorrect");
  EXPECT_EQ(wrong.retriesLeft(), 2);
  EXPECT_EQ(card->pinTriesLeft(0x01), 2);
}

TEST_F(SessionBindingTest, CardAbsentAccessDenyNeedsThePatientsCard) {
  AuthenticationSettings settings = trusted();
  settings.cardAbsentAccess = Mode::Deny;
  startWithCard("cps-demo", std::move(settings));
  ASSERT_EQ(open("1234").id(), "ok");
  const RecordOutcome refused = recordAccess(forGivenPatient("1234"));
  EXPECT_EQ(refused.code(), "patient-card-required");
  EXPECT_NE(refused.id().find("only with the patient's card"), std::string::npos) << refused.id();
  EXPECT_EQ(wire_.count(kVerify, true), 1);
}

TEST_F(SessionBindingTest, APinWithThePatientsCardInAReaderIsRefused) {
  startWithCard("cps-demo");
  ASSERT_EQ(open("1234").id(), "ok");
  api::RecordAccessRequest request = recordRequest();
  request.pin = SecretBytes(std::string("1234"));
  EXPECT_EQ(recordAccess(std::move(request)).code(), "bad-request");
  EXPECT_EQ(wire_.count(kVerify, true), 1);
}

}  // namespace
}  // namespace hcbridge::core
