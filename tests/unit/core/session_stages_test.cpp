// The practitioner session alone: no reader monitor, no watcher, a fake
// SessionCards running card jobs inline on one simulated card. Checks the
// stages (closed -> certificate checked -> PIN verified -> open -> closed)
// and that each way of closing says why.
#include <gtest/gtest.h>

#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include "event_channel.hpp"
#include "hcbridge/drivers.hpp"
#include "hcbridge/error.hpp"
#include "hcbridge/sim/profile.hpp"
#include "hcbridge/sim/sim_transport.hpp"
#include "practitioner_session.hpp"

namespace hcbridge::core {
namespace {

const std::string kReader = "hcbridge simulated reader 0";

std::filesystem::path pki(const std::string& name) {
  return std::filesystem::path(HCBRIDGE_PKI_DIR) / name;
}

// One reader holding one card; jobs run at once on the caller's thread.
class FakeCards : public SessionCards {
 public:
  FakeCards(EventChannel& events, const std::string& profile)
      : events_(events), registry_(makeDefaultRegistry()) {
    drivers::registerSimProfiles();
    sim_.insertCard(0, std::make_shared<sim::Card>(sim::loadProfile(profile)));
  }

  // The card leaves, as the monitor would report it.
  void cardLeaves(const std::string& reason) {
    std::lock_guard lock(events_.mutex());
    present_ = false;
    if (cardLeft_) cardLeft_(kReader, reason);
  }
  void setPresent(bool present) {
    std::lock_guard lock(events_.mutex());
    present_ = present;
  }

  void setCardLeftHandler(CardLeftHandler handler) override { cardLeft_ = std::move(handler); }
  bool postToCard(CardKind, const std::optional<std::string>&, CardJob job,
                  FailHandler fail) override {
    return post(
        kReader, [job] { job(kReader, 1); }, std::move(fail));
  }
  bool holdsCardLocked(const std::string& reader, std::uint64_t generation) const override {
    return present_ && reader == kReader && generation == 1;
  }
  bool post(const std::string&, std::function<void()> job, FailHandler fail) override {
    try {
      job();
    } catch (...) {
      fail(std::current_exception());
    }
    return true;
  }
  void postCleanup(const std::string&, std::function<void()> job) override { job(); }
  CachedCard readCard(const std::string& reader) override {
    auto connection = sim_.connect(reader, ShareMode::Shared);
    Transaction transaction(*connection);
    const CardDriver& driver = registry_.identify(*connection);
    return {&driver, std::make_shared<const CardModel>(driver.read(*connection)), "hash"};
  }
  std::shared_ptr<PractitionerToken> openToken(const std::string& reader,
                                               const CachedCard& card) override {
    return std::make_shared<DriverToken>(sim_.connect(reader, ShareMode::Exclusive), *card.driver);
  }

 private:
  EventChannel& events_;
  DriverRegistry registry_;
  sim::SimTransport sim_;
  CardLeftHandler cardLeft_;
  bool present_ = true;
};

class SessionStagesTest : public ::testing::Test {
 protected:
  explicit SessionStagesTest(const std::string& profile = "cps-demo") : cards_(events_, profile) {
    settings_.practitionerTrust = auth::CertificateValidator(
        {{pki("root.cert.pem")}, {pki("intermediate.cert.pem")}, {pki("intermediate.crl.pem")}});
    session_ = std::make_unique<PractitionerSession>(cards_, events_, settings_);
    subscription_ = events_.subscribe([this](const api::ServiceEvent& event) {
      std::lock_guard lock(mutex_);
      std::string line(api::eventTypeName(event.type));
      if (event.type == api::ServiceEvent::Type::SessionClosed) line += " " + event.reason;
      seen_.push_back(line);
    });
  }
  ~SessionStagesTest() override {
    subscription_.reset();
    session_.reset();
  }

  // The handler's error code, or "" on success.
  std::string open(const std::string& pin) {
    std::string code = "not called";
    api::SessionOpenRequest request;
    request.caller = claim_.caller;
    request.pin = SecretBytes(pin);
    session_->open(std::move(request),
                   [&](std::exception_ptr error, const api::SessionOpened& opened) {
                     code = "";
                     if (!error) {
                       claim_.token = opened.sessionToken;
                       return;
                     }
                     try {
                       std::rethrow_exception(error);
                     } catch (const Error& e) {
                       code = std::string(errcId(e.code()));
                     }
                   });
    return code;
  }

  std::vector<std::string> seen() {
    std::lock_guard lock(mutex_);
    return seen_;
  }

  EventChannel events_;
  FakeCards cards_;
  AuthenticationSettings settings_;
  api::SessionClaim claim_{{"app stages", 1000}, ""};  // the opener's, once open
  std::unique_ptr<PractitionerSession> session_;
  std::unique_ptr<api::Subscription> subscription_;
  std::mutex mutex_;
  std::vector<std::string> seen_;
};

using Stage = PractitionerSession::Stage;

TEST_F(SessionStagesTest, OpensWithTheRightPinAndClosesSayingWhy) {
  EXPECT_EQ(session_->stage(), Stage::Closed);
  EXPECT_FALSE(session_->label());
  EXPECT_EQ(open("1234"), "");
  EXPECT_EQ(session_->stage(), Stage::Open);
  EXPECT_EQ(session_->label(), "cps 10101201234");
  EXPECT_NO_THROW(session_->requireOpen(claim_));
  bool closed = false;
  session_->close(claim_, [&](std::exception_ptr, bool wasOpen) { closed = wasOpen; });
  EXPECT_TRUE(closed);
  EXPECT_EQ(session_->stage(), Stage::Closed);
  EXPECT_EQ(session_->lastCloseReason(), "closed");
  EXPECT_EQ(seen(), (std::vector<std::string>{"practitioner.session.opened",
                                              "practitioner.session.closed closed"}));
}

TEST_F(SessionStagesTest, AWrongPinLeavesItClosedAndSaysNothing) {
  EXPECT_EQ(open("9999"), "pin-incorrect");
  EXPECT_EQ(session_->stage(), Stage::Closed);
  EXPECT_EQ(session_->lastCloseReason(), "");
  EXPECT_TRUE(seen().empty());
  EXPECT_THROW(session_->requireOpen(claim_), Error);
}

TEST_F(SessionStagesTest, TheCardLeavingClosesItWithTheMonitorsReason) {
  ASSERT_EQ(open("1234"), "");
  cards_.cardLeaves("card-removed");
  EXPECT_EQ(session_->stage(), Stage::Closed);
  EXPECT_EQ(session_->lastCloseReason(), "card-removed");
  EXPECT_EQ(seen().back(), "practitioner.session.closed card-removed");
  EXPECT_FALSE(session_->label());
}

TEST_F(SessionStagesTest, ACardThatLeftWhileThePinWasCheckedOpensNothing) {
  cards_.setPresent(false);  // the PIN verifies, but the insertion is gone by then
  EXPECT_EQ(open("1234"), "card-removed");
  EXPECT_EQ(session_->stage(), Stage::Closed);
  EXPECT_TRUE(seen().empty());
}

TEST_F(SessionStagesTest, SigningNeedsAnOpenSession) {
  std::string code;
  session_->authenticate(claim_, "https://records.example.org", std::string(44, 'A'),
                         [&](std::exception_ptr error, const nlohmann::json&) {
                           try {
                             if (error) std::rethrow_exception(error);
                           } catch (const Error& e) {
                             code = std::string(errcId(e.code()));
                           }
                         });
  EXPECT_EQ(code, "practitioner-session-required");
}

}  // namespace
}  // namespace hcbridge::core
