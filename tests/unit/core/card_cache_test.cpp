// The card cache over the simulator: one read per insertion.
#include "hcbridge/core/card_cache.hpp"

#include <gtest/gtest.h>

#include "hcbridge/error.hpp"
#include "hcbridge/sim/sim_transport.hpp"

namespace hcbridge::core {
namespace {

// Reads the generic test card's EF 2F02 (serial) like a tiny driver would.
class GenericDriver : public CardDriver {
 public:
  // Answers like an eGK whose StatusVD says "update in progress".
  bool reportUpdateInProgress = false;

  std::string_view id() const override { return "generic"; }
  std::string_view displayName() const override { return "generic test card"; }
  CardKind kind() const override { return CardKind::Patient; }
  AtrMatch matchAtr(ByteView) const override { return AtrMatch::Yes; }
  bool probe(CardConnection&) const override { return true; }
  CardModel read(CardConnection& card) const override {
    card.transmit({0x00, 0xA4, 0x00, 0x0C, {0x3F, 0x00}, std::nullopt});
    const auto serial = card.transmit({0x00, 0xB0, 0x82, 0x00, {}, std::size_t{256}});
    if (!serial.isSuccess()) throw Error(Errc::CardDataInvalid, "EF 2F02 unreadable");
    PatientCard model;
    model.cardType = "generic";
    model.cardSerial = toHex(serial.data);
    if (reportUpdateInProgress) {
      model.egk.emplace();
      model.egk->statusVd.updateInProgress = true;
    }
    return model;
  }
  PinStatus pinStatus(CardConnection&) const override { return {}; }
  void verifyPin(CardConnection&, const SecretBytes&) const override {}
  std::vector<Certificate> readCertificates(CardConnection&) const override { return {}; }
  Bytes signWithAuthenticationKey(CardConnection&, ByteView, SignatureScheme) const override {
    return {};
  }
};

class CardCacheTest : public ::testing::Test {
 protected:
  CardCacheTest() : hasher_(SecretBytes(std::string(32, 'k'))), cache_(registry_, hasher_) {
    auto driver = std::make_unique<GenericDriver>();
    driver_ = driver.get();
    registry_.add(std::move(driver));
  }
  std::shared_ptr<sim::Card> insert() {
    auto card = std::make_shared<sim::Card>(sim::loadProfile("generic"));
    transport_.insertCard(0, card);
    return card;
  }
  const std::string reader_ = "hcbridge simulated reader 0";
  DriverRegistry registry_;
  GenericDriver* driver_ = nullptr;
  SerialHasher hasher_;
  CardCache cache_;
  sim::SimTransport transport_;
};

TEST_F(CardCacheTest, SecondReadWhileInsertedSendsNoApdu) {
  auto card = insert();
  const auto first = cache_.read(transport_, reader_);
  const std::size_t afterFirst = card->commandCount();
  EXPECT_GT(afterFirst, 0u);
  const auto second = cache_.read(transport_, reader_);
  EXPECT_EQ(card->commandCount(), afterFirst);
  EXPECT_EQ(std::get<PatientCard>(*second.model).cardSerial,
            std::get<PatientCard>(*first.model).cardSerial);
  EXPECT_EQ(second.serialHash, hasher_.hash(std::get<PatientCard>(*first.model).cardSerial));
}

TEST_F(CardCacheTest, AKeptCardIsSharedWithEachReadNotCopied) {
  insert();
  const auto first = cache_.read(transport_, reader_);
  const auto second = cache_.read(transport_, reader_);
  ASSERT_NE(first.model, nullptr);
  EXPECT_EQ(second.model, first.model);  // the same object: no copy of the patient's data
  EXPECT_EQ(cache_.find(reader_)->model, first.model);
}

TEST_F(CardCacheTest, AnEgkUpdateInProgressIsReadAgainEachTime) {
  auto card = insert();
  driver_->reportUpdateInProgress = true;
  cache_.read(transport_, reader_);
  const std::size_t afterFirst = card->commandCount();
  EXPECT_TRUE(cache_.read(transport_, reader_).model->index() == 0);
  EXPECT_EQ(card->commandCount(), 2 * afterFirst);
  EXPECT_FALSE(cache_.find(reader_).has_value());
  driver_->reportUpdateInProgress = false;
  cache_.read(transport_, reader_);
  EXPECT_TRUE(cache_.find(reader_).has_value());
}

TEST_F(CardCacheTest, RemovalAndReinsertionReadAgain) {
  auto card = insert();
  cache_.read(transport_, reader_);
  cache_.onEvent({ReaderEventKind::CardRemoved, reader_, {}});
  EXPECT_FALSE(cache_.find(reader_).has_value());
  transport_.removeCard(0);
  auto again = insert();
  cache_.onEvent({ReaderEventKind::CardInserted, reader_, again->atr()});
  cache_.read(transport_, reader_);
  EXPECT_GT(again->commandCount(), 0u);
}

TEST_F(CardCacheTest, ServiceLossForgetsEverything) {
  insert();
  cache_.read(transport_, reader_);
  cache_.onEvent({ReaderEventKind::ServiceLost, {}, {}});
  EXPECT_FALSE(cache_.find(reader_).has_value());
}

TEST_F(CardCacheTest, AFailedReadCachesNothing) {
  auto card = insert();
  card->setCommandHook([&](std::size_t count) {
    if (count == 1) transport_.removeCard(0);
  });
  EXPECT_THROW(cache_.read(transport_, reader_), Error);
  EXPECT_FALSE(cache_.find(reader_).has_value());
}

TEST_F(CardCacheTest, AnEventDuringTheReadKeepsTheResultOutOfTheCache) {
  auto card = insert();
  card->setCommandHook([&](std::size_t count) {
    if (count == 1) cache_.onEvent({ReaderEventKind::CardInserted, reader_, {}});
  });
  cache_.read(transport_, reader_);
  EXPECT_FALSE(cache_.find(reader_).has_value());
}

}  // namespace
}  // namespace hcbridge::core
