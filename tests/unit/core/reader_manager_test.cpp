// The reader manager over the simulator with the real drivers: reader list
// with card types, events, reads through the cache, one queue per card.
#include <gtest/gtest.h>

#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

#include "hcbridge/api/model_json.hpp"
#include "hcbridge/core/card_service.hpp"
#include "hcbridge/drivers.hpp"
#include "hcbridge/error.hpp"
#include "hcbridge/sim/sim_transport.hpp"
#include "hcbridge_test/eventually.hpp"

namespace hcbridge::core {
namespace {

using namespace std::chrono_literals;

const std::string kReader0 = "hcbridge simulated reader 0";
const std::string kReader1 = "hcbridge simulated reader 1";

using hcbridge::testing::eventually;

// Collects events as "type reader [cardType]" strings.
class EventLog {
 public:
  std::function<void(const api::ServiceEvent&)> listener() {
    return [this](const api::ServiceEvent& event) {
      const nlohmann::json data = api::toJson(event)["data"];
      std::string line(api::eventTypeName(event.type));
      if (data.contains("reader")) line += " " + data["reader"].get<std::string>();
      if (data.contains("cardType")) line += " " + data["cardType"].get<std::string>();
      std::lock_guard lock(mutex_);
      lines_.push_back(line);
    };
  }
  std::vector<std::string> lines() const {
    std::lock_guard lock(mutex_);
    return lines_;
  }
  bool waitForCount(std::size_t count) {
    return eventually([&] { return lines().size() >= count; });
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> lines_;
};

struct ReadOutcome {
  std::exception_ptr error;
  api::CardRead result;

  Errc errorCode() const {
    try {
      if (error) std::rethrow_exception(error);
    } catch (const Error& e) {
      return e.code();
    }
    ADD_FAILURE() << "expected an hcbridge::Error";
    return Errc::Internal;
  }
};

class ReaderManagerTest : public ::testing::Test {
 protected:
  ReaderManagerTest()
      : registry_(makeDefaultRegistry()), hasher_(SecretBytes(std::string(32, 'k'))) {
    drivers::registerSimProfiles();
  }

  std::shared_ptr<sim::Card> insert(std::size_t slot, const std::string& profile) {
    auto card = std::make_shared<sim::Card>(sim::loadProfile(profile));
    transport_.insertCard(slot, card);
    return card;
  }

  CardService& start() {
    manager_ = std::make_unique<CardService>(transport_, registry_, hasher_, "simulated", "9.9");
    return *manager_;
  }

  std::string cardType(const std::string& reader) const {
    for (const auto& view : manager_->readers()) {
      if (view.name == reader) return view.cardType;
    }
    return "(no reader)";
  }
  bool waitForType(const std::string& reader, const std::string& type) {
    return eventually([&] { return cardType(reader) == type; });
  }

  std::future<ReadOutcome> readPatient(std::optional<std::string> reader) {
    auto promise = std::make_shared<std::promise<ReadOutcome>>();
    manager_->readPatientCard(std::move(reader), [promise](std::exception_ptr e, api::CardRead r) {
      promise->set_value({e, std::move(r)});
    });
    return promise->get_future();
  }
  std::future<ReadOutcome> readPractitioner(std::optional<std::string> reader) {
    auto promise = std::make_shared<std::promise<ReadOutcome>>();
    manager_->readPractitionerCard(std::move(reader),
                                   [promise](std::exception_ptr e, api::CardRead r) {
                                     promise->set_value({e, std::move(r)});
                                   });
    return promise->get_future();
  }

  DriverRegistry registry_;
  SerialHasher hasher_;
  sim::SimTransport transport_;
  std::unique_ptr<CardService> manager_;
};

TEST_F(ReaderManagerTest, ReadersShowTheIdentifiedCardTypes) {
  insert(0, "vitale-family");
  auto& manager = start();
  ASSERT_TRUE(waitForType(kReader0, "vitale"));
  EXPECT_EQ(cardType(kReader1), "");
  insert(1, "cps-demo");
  ASSERT_TRUE(waitForType(kReader1, "cps"));
  const auto views = manager.readers();
  ASSERT_EQ(views.size(), 2u);
  EXPECT_TRUE(views[0].cardPresent);
  EXPECT_TRUE(views[1].cardPresent);
  EXPECT_EQ(api::toJson(manager.status())["transport"], "simulated");
  EXPECT_EQ(api::toJson(manager.status())["transportState"], "up");
  EXPECT_EQ(api::toJson(manager.status())["readers"], 2);
  EXPECT_EQ(api::toJson(manager.status())["version"], "9.9");
}

TEST_F(ReaderManagerTest, ACardNoDriverKnowsIsUnknown) {
  insert(0, "generic");
  start();
  EXPECT_TRUE(waitForType(kReader0, "unknown"));
  // Asked for a practitioner card, the unknown card is named, not "no card".
  EXPECT_EQ(readPractitioner(std::nullopt).get().errorCode(), Errc::CardUnsupported);
}

TEST_F(ReaderManagerTest, SubscribeGetsTheStateThenLiveEventsInOrder) {
  insert(0, "vitale-family");
  auto& manager = start();
  ASSERT_TRUE(waitForType(kReader0, "vitale"));
  EventLog log;
  auto subscription = manager.subscribe(log.listener());
  EXPECT_EQ(log.lines(), (std::vector<std::string>{"reader.added " + kReader0,
                                                   "card.inserted " + kReader0 + " vitale",
                                                   "reader.added " + kReader1}));
  insert(1, "cps-demo");
  transport_.removeCard(0);
  ASSERT_TRUE(log.waitForCount(5));
  const auto lines = log.lines();
  // The removal may overtake the identification of the new card; each
  // reader's own events stay in order.
  EXPECT_NE(std::find(lines.begin() + 3, lines.end(), "card.inserted " + kReader1 + " cps"),
            lines.end());
  EXPECT_NE(std::find(lines.begin() + 3, lines.end(), "card.removed " + kReader0), lines.end());
  subscription.reset();
  transport_.removeCard(1);
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(log.lines().size(), 5u);  // nothing after unsubscribing
}

TEST_F(ReaderManagerTest, ReaderAddedAndRemovedAreEvents) {
  auto& manager = start();
  EventLog log;
  auto subscription = manager.subscribe(log.listener());
  transport_.addReader("usb reader");
  ASSERT_TRUE(log.waitForCount(3));
  transport_.removeReader("usb reader");
  ASSERT_TRUE(log.waitForCount(4));
  EXPECT_EQ(log.lines()[2], "reader.added usb reader");
  EXPECT_EQ(log.lines()[3], "reader.removed usb reader");
}

TEST_F(ReaderManagerTest, AReaderUnpluggedWithItsCardRemovesTheCardFirst) {
  auto& manager = start();
  transport_.addReader("usb reader");
  ASSERT_TRUE(eventually([&] { return manager.readers().size() == 3; }));
  insert(2, "vitale-family");
  ASSERT_TRUE(waitForType("usb reader", "vitale"));
  EventLog log;
  auto subscription = manager.subscribe(log.listener());
  ASSERT_EQ(log.lines().size(), 4u);
  transport_.removeReader("usb reader");
  ASSERT_TRUE(log.waitForCount(6));
  EXPECT_EQ(log.lines()[4], "card.removed usb reader");
  EXPECT_EQ(log.lines()[5], "reader.removed usb reader");
  EXPECT_EQ(manager.readers().size(), 2u);
}

TEST_F(ReaderManagerTest, PatientReadPicksTheReaderWithAPatientCard) {
  insert(0, "cps-demo");
  insert(1, "vitale-family");
  start();
  ASSERT_TRUE(waitForType(kReader1, "vitale"));
  const auto outcome = readPatient(std::nullopt).get();
  ASSERT_FALSE(outcome.error);
  EXPECT_EQ(outcome.result.reader, kReader1);
  EXPECT_FALSE(outcome.result.serialHash.empty());
  EXPECT_TRUE(std::holds_alternative<PatientCard>(*outcome.result.card));
  const auto practitioner = readPractitioner(std::nullopt).get();
  ASSERT_FALSE(practitioner.error);
  EXPECT_EQ(practitioner.result.reader, kReader0);
}

TEST_F(ReaderManagerTest, ReadsWithoutTheRightCardFail) {
  insert(0, "cps-demo");
  start();
  ASSERT_TRUE(waitForType(kReader0, "cps"));
  EXPECT_EQ(readPatient(std::nullopt).get().errorCode(), Errc::CardAbsent);
  EXPECT_EQ(readPatient(kReader0).get().errorCode(), Errc::CardUnsupported);
  EXPECT_EQ(readPatient(kReader1).get().errorCode(), Errc::CardAbsent);
  EXPECT_EQ(readPatient(std::string("no such reader")).get().errorCode(), Errc::ReaderNotFound);
}

TEST_F(ReaderManagerTest, ASecondReadSendsNoApdu) {
  auto card = insert(0, "vitale-family");
  start();
  ASSERT_TRUE(waitForType(kReader0, "vitale"));
  const auto first = readPatient(std::nullopt).get();
  ASSERT_FALSE(first.error);
  const std::size_t afterFirst = card->commandCount();
  const auto second = readPatient(kReader0).get();
  ASSERT_FALSE(second.error);
  EXPECT_EQ(card->commandCount(), afterFirst);
  EXPECT_EQ(api::toJson(second.result), api::toJson(first.result));
  EXPECT_EQ(second.result.serialHash, first.result.serialHash);
}

// A card the cache keeps, with its proven authenticity, is answered on the
// caller's thread without the card's queue; any card event sends the next
// read back to the card.
TEST_F(ReaderManagerTest, AKeptCardIsAnsweredOnTheCallersThreadUntilTheCardChanges) {
  insert(0, "vitale-family");
  start();
  ASSERT_TRUE(waitForType(kReader0, "vitale"));
  const auto first = readPatient(kReader0).get();  // read and proven on the card's strand
  ASSERT_FALSE(first.error);
  ASSERT_TRUE(first.result.authenticity);

  for (const auto& reader : {std::optional<std::string>(kReader0), std::optional<std::string>()}) {
    auto answeredOn = std::make_shared<std::thread::id>();
    auto promise = std::make_shared<std::promise<ReadOutcome>>();
    manager_->readPatientCard(reader, [answeredOn, promise](std::exception_ptr e, api::CardRead r) {
      *answeredOn = std::this_thread::get_id();
      promise->set_value({e, std::move(r)});
    });
    auto kept = promise->get_future();
    ASSERT_EQ(kept.wait_for(0s), std::future_status::ready) << "answered before the call returned";
    EXPECT_EQ(*answeredOn, std::this_thread::get_id());
    const ReadOutcome outcome = kept.get();
    ASSERT_FALSE(outcome.error);
    EXPECT_EQ(outcome.result, first.result);
  }

  transport_.removeCard(0);
  ASSERT_TRUE(waitForType(kReader0, ""));
  EXPECT_EQ(readPatient(kReader0).get().errorCode(), Errc::CardAbsent);
  insert(0, "vitale-corse");
  ASSERT_TRUE(waitForType(kReader0, "vitale"));
  const auto other = readPatient(kReader0).get();
  ASSERT_FALSE(other.error);
  EXPECT_NE(other.result.serialHash, first.result.serialHash);
  EXPECT_NE(api::toJson(other.result), api::toJson(first.result));
  // Never the practitioner's read of a patient card, kept or not.
  EXPECT_EQ(readPractitioner(kReader0).get().errorCode(), Errc::CardUnsupported);
}

TEST_F(ReaderManagerTest, ACardBlockedMidReadDoesNotHoldTheOtherReader) {
  auto vitale = insert(0, "vitale-family");
  insert(1, "cps-demo");
  start();
  ASSERT_TRUE(waitForType(kReader0, "vitale"));
  ASSERT_TRUE(waitForType(kReader1, "cps"));

  std::mutex mutex;
  std::condition_variable changed;
  bool blocked = false;
  bool released = false;
  vitale->setCommandHook([&](std::size_t) {
    std::unique_lock lock(mutex);
    blocked = true;
    changed.notify_all();
    changed.wait(lock, [&] { return released; });
  });
  auto patient = readPatient(kReader0);
  {
    std::unique_lock lock(mutex);
    ASSERT_TRUE(changed.wait_for(lock, 5s, [&] { return blocked; }));
  }
  // The practitioner card completes while the patient card is held.
  auto practitioner = readPractitioner(kReader1);
  ASSERT_EQ(practitioner.wait_for(5s), std::future_status::ready);
  EXPECT_FALSE(practitioner.get().error);
  EXPECT_EQ(patient.wait_for(0s), std::future_status::timeout);
  {
    std::lock_guard lock(mutex);
    released = true;
  }
  changed.notify_all();
  ASSERT_EQ(patient.wait_for(5s), std::future_status::ready);
  EXPECT_FALSE(patient.get().error);
  vitale->setCommandHook(nullptr);
}

TEST_F(ReaderManagerTest, ACardPulledDuringAReadIsCardRemoved) {
  auto vitale = insert(0, "vitale-family");
  start();
  ASSERT_TRUE(waitForType(kReader0, "vitale"));
  const std::size_t start = vitale->commandCount();
  vitale->setCommandHook([&, start](std::size_t count) {
    if (count == start + 2) transport_.removeCard(0);
  });
  EXPECT_EQ(readPatient(kReader0).get().errorCode(), Errc::CardRemoved);
  vitale->setCommandHook(nullptr);
  EXPECT_TRUE(waitForType(kReader0, ""));
}

TEST_F(ReaderManagerTest, ReadsAfterStopFailAtOnce) {
  insert(0, "vitale-family");
  auto& manager = start();
  ASSERT_TRUE(waitForType(kReader0, "vitale"));
  ASSERT_FALSE(readPatient(kReader0).get().error);  // kept: still refused once stopping
  manager.stop();
  EXPECT_EQ(readPatient(kReader0).get().errorCode(), Errc::Cancelled);
  manager.stop();  // idempotent
}

}  // namespace
}  // namespace hcbridge::core
