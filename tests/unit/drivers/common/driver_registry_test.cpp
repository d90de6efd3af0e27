// Choosing a driver: ATR tables first, probes for the undecided.
#include <gtest/gtest.h>

#include "hcbridge/card_driver.hpp"
#include "hcbridge/error.hpp"
#include "hcbridge/sim/sim_transport.hpp"

namespace hcbridge {
namespace {

class FakeDriver : public CardDriver {
 public:
  FakeDriver(std::string id, AtrMatch match, bool probeResult, int* probes)
      : id_(std::move(id)), match_(match), probeResult_(probeResult), probes_(probes) {}
  std::string_view id() const override { return id_; }
  std::string_view displayName() const override { return id_; }
  CardKind kind() const override { return CardKind::Patient; }
  AtrMatch matchAtr(ByteView) const override { return match_; }
  bool probe(CardConnection&) const override {
    ++*probes_;
    return probeResult_;
  }
  CardModel read(CardConnection&) const override { return PatientCard{}; }
  PinStatus pinStatus(CardConnection&) const override { return {}; }
  void verifyPin(CardConnection&, const SecretBytes&) const override {}
  std::vector<Certificate> readCertificates(CardConnection&) const override { return {}; }
  Bytes signWithAuthenticationKey(CardConnection&, ByteView, SignatureScheme) const override {
    return {};
  }

 private:
  std::string id_;
  AtrMatch match_;
  bool probeResult_;
  int* probes_;
};

struct RegistryTest : ::testing::Test {
  RegistryTest() {
    transport.insertCard(0, std::make_shared<sim::Card>(sim::loadProfile("generic")));
    connection = transport.connect("hcbridge simulated reader 0", ShareMode::Shared);
  }
  void add(const char* id, AtrMatch match, bool probe) {
    registry.add(std::make_unique<FakeDriver>(id, match, probe, &probes));
  }
  sim::SimTransport transport;
  std::unique_ptr<CardConnection> connection;
  DriverRegistry registry;
  int probes = 0;
};

TEST_F(RegistryTest, AnAtrMatchWinsWithoutAnyProbe) {
  add("maybe", AtrMatch::Maybe, true);
  add("yes", AtrMatch::Yes, false);
  EXPECT_EQ(registry.identify(*connection).id(), "yes");
  EXPECT_EQ(probes, 0);
}

TEST_F(RegistryTest, UndecidedDriversProbeInOrder) {
  add("no", AtrMatch::No, true);
  add("maybe-not", AtrMatch::Maybe, false);
  add("maybe-yes", AtrMatch::Maybe, true);
  EXPECT_EQ(registry.identify(*connection).id(), "maybe-yes");
  EXPECT_EQ(probes, 2);
}

TEST_F(RegistryTest, AnUnknownCardNamesItsAtrAndWhatToSend) {
  add("no", AtrMatch::No, true);
  add("maybe-not", AtrMatch::Maybe, false);
  try {
    registry.identify(*connection);
    FAIL() << "identified a card no driver knows";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), Errc::CardUnsupported);
    EXPECT_NE(std::string(error.what()).find(toHex(connection->atr(), " ")), std::string::npos);
    EXPECT_NE(error.hint().find("hcbridge readers --json"), std::string::npos);
  }
}

}  // namespace
}  // namespace hcbridge
