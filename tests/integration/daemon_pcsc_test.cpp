// hcbridged on the real pcscd (no --simulate), with the Vitale card in the
// first vpcd slot and the CPS card in the second, served by this process:
// events, parallel reads, a card pulled during a read, pcscd restarted.
#include <gtest/gtest.h>

#include <algorithm>
#include <future>
#include <map>
#include <nlohmann/json.hpp>

#include "cps_sim_profiles.hpp"
#include "daemon_process.hpp"
#include "event_stream.hpp"
#include "pcscd_control.hpp"
#include "sim_fixture.hpp"
#include "vitale_sim_profiles.hpp"

namespace hcbridge::testing {
namespace {

using namespace std::chrono_literals;
using api::testing::fetch;
using api::testing::HttpReply;
using api::testing::WsClient;
using Clock = std::chrono::steady_clock;

class DaemonPcscTest : public PcscIntegrationTest {
 protected:
  void SetUp() override {
    drivers::registerVitaleSimProfiles();
    drivers::registerCpsSimProfiles();
    PcscIntegrationTest::SetUp();
    insertCard("vitale-family", 0);
    insertCard("cps-demo", 1);
  }

  // hcbridged on pcscd, patient data readable without a practitioner session.
  void startDaemon() {
    daemon_ = std::make_unique<DaemonProcess>(
        DaemonTransport::Pcsc, nlohmann::json{{"require_practitioner_session", false}});
    ASSERT_NE(daemon_->port(), 0);
  }
  std::unique_ptr<EventStream> connectEvents() {
    return std::make_unique<EventStream>(daemon_->port(), daemon_->appKeyHeader());
  }
  HttpReply get(const std::string& target) {
    return fetch(daemon_->port(), "GET", target, daemon_->appKeyHeader());
  }
  // Still answering, and a clean exit on SIGTERM.
  void expectCleanStop() {
    EXPECT_EQ(get("/v1/status").status, 200);
    EXPECT_EQ(daemon_->terminate(), 0) << daemon_->output();
  }

  std::unique_ptr<DaemonProcess> daemon_;
};

TEST_F(DaemonPcscTest, EventsGiveTheStateOnConnectThenCardRemovalAndInsertion) {
  startDaemon();
  auto events = connectEvents();
  const auto cardTypes = events->waitForCardsIn({kReader0, kReader1});
  EXPECT_EQ(cardTypes,
            (std::map<std::string, std::string>{{kReader0, "vitale"}, {kReader1, "cps"}}))
      << events->history();

  removeCard(1);
  EXPECT_TRUE(events->waitFor("card.removed", kReader1)) << events->history();
  insertCard("cps-demo", 1);
  const auto inserted = events->waitFor("card.inserted", kReader1);
  ASSERT_TRUE(inserted) << events->history();
  EXPECT_EQ((*inserted)["data"]["cardType"], "cps");

  const auto readers = get("/v1/readers");
  ASSERT_EQ(readers.status, 200);
  EXPECT_NE(readers.body.find("\"cps\""), std::string::npos) << readers.body;
  expectCleanStop();
}

TEST_F(DaemonPcscTest, TwoClientsReadTheTwoCardsInParallel) {
  startDaemon();
  connectEvents()->waitForCardsIn({kReader0, kReader1});
  for (int round = 0; round < 2; ++round) {  // first from the cards, then from the cache
    auto patient = std::async(std::launch::async, [&] { return get("/v1/patient-card"); });
    auto practitioner =
        std::async(std::launch::async, [&] { return get("/v1/practitioner-card"); });
    const HttpReply patientReply = patient.get();
    const HttpReply practitionerReply = practitioner.get();
    ASSERT_EQ(patientReply.status, 200) << patientReply.body;
    ASSERT_EQ(practitionerReply.status, 200) << practitionerReply.body;
    EXPECT_EQ(patientReply.json()["beneficiaries"][0]["surname"], "DUPONT-TEST");
    EXPECT_EQ(practitionerReply.json()["surname"], "DURAND-TEST");
  }
  expectCleanStop();
}

TEST_F(DaemonPcscTest, ACardPulledDuringAReadIsCardRemovedAndTheNextCardReads) {
  startDaemon();
  auto events = connectEvents();
  ASSERT_EQ(events->waitForCardsIn({kReader0, kReader1}).size(), 2u) << events->history();

  slots_[0]->pullAfterApdus(3);
  const auto pulled = get("/v1/patient-card");
  EXPECT_EQ(pulled.status, 409) << pulled.body;
  EXPECT_EQ(nlohmann::json::parse(pulled.body).value("code", ""), "card-removed") << pulled.body;
  EXPECT_TRUE(events->waitFor("card.removed", kReader0)) << events->history();

  insertCard("vitale-family", 0);
  EXPECT_TRUE(events->waitFor("card.inserted", kReader0)) << events->history();
  const auto again = get("/v1/patient-card");
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(again.json()["beneficiaries"][0]["surname"], "DUPONT-TEST");
  expectCleanStop();
}

TEST_F(DaemonPcscTest, PcscdRestartedWhileAClientListensIsLostThenRestored) {
  startDaemon();
  auto events = connectEvents();
  ASSERT_EQ(events->waitForCardsIn({kReader0, kReader1}).size(), 2u) << events->history();
  ASSERT_EQ(get("/v1/practitioner-card").status, 200);

  pcscd().restart();
  EXPECT_TRUE(events->waitFor("service.lost")) << events->history();
  EXPECT_TRUE(events->waitFor("service.restored")) << events->history();
  // The simulated cards reconnect to the new pcscd by themselves.
  EXPECT_EQ(events->waitForCardsIn({kReader0, kReader1}).size(), 2u) << events->history();

  const auto status = get("/v1/status");
  ASSERT_EQ(status.status, 200);
  EXPECT_EQ(status.json()["transportState"], "up");
  const auto practitioner = get("/v1/practitioner-card");
  EXPECT_EQ(practitioner.status, 200) << practitioner.body;
  const auto patient = get("/v1/patient-card");
  EXPECT_EQ(patient.status, 200) << patient.body;
  expectCleanStop();
}

}  // namespace
}  // namespace hcbridge::testing
