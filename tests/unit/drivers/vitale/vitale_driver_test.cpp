// The Vitale driver against its simulator profiles, in-process.
#include "vitale_driver.hpp"

#include <gtest/gtest.h>

#include <memory>

#include "hcbridge/error.hpp"
#include "hcbridge/sim/card.hpp"
#include "hcbridge/sim/profile.hpp"
#include "hcbridge/sim/sim_transport.hpp"
#include "hcbridge/tlv.hpp"
#include "hcbridge_test/expect_error.hpp"
#include "vitale_data.hpp"
#include "vitale_sim_profiles.hpp"

namespace hcbridge::drivers::vitale {
namespace {

using testing::expectError;

const std::string kReader = "hcbridge simulated reader 0";
constexpr std::string_view kToday = "20250601";

class VitaleDriverTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { registerVitaleSimProfiles(); }

  void insert(sim::Profile profile) {
    card_ = std::make_shared<sim::Card>(std::move(profile));
    transport_.insertCard(0, card_);
    connection_ = transport_.connect(kReader);
  }
  void insert(const std::string& name) { insert(sim::loadProfile(name)); }

  // The EF with `fid` in the VITALE DF (or the MF when `inMf`).
  static sim::FileNode& file(sim::Profile& profile, std::uint16_t fid, bool inMf = false) {
    sim::FileNode* df = &profile.mf;
    if (!inMf) {
      for (auto& child : df->children) {
        if (child.type == sim::FileNode::Type::DF) df = &child;
      }
    }
    for (auto& child : df->children) {
      if (child.fid == fid) return child;
    }
    throw std::runtime_error("no such file in the profile");
  }

  PatientCard read() { return readCard(*connection_, kToday); }

  sim::SimTransport transport_;
  std::shared_ptr<sim::Card> card_;
  std::unique_ptr<CardConnection> connection_;
  std::unique_ptr<CardDriver> driver_ = makeVitaleDriver();
};

TEST_F(VitaleDriverTest, IdentityAndAtrTable) {
  EXPECT_EQ(driver_->id(), "vitale");
  EXPECT_EQ(driver_->kind(), CardKind::Patient);
  for (const char* atr : {"3B 75 13 00 00 43 09 EA 90 00", "3B 75 13 00 00 44 09 EA 90 00",
                          "3B 75 13 00 00 45 09 EA 90 00", "3B 75 13 00 00 49 09 EA 90 00",
                          "3B 75 13 00 00 45 09 FA 90 00"}) {
    EXPECT_EQ(driver_->matchAtr(fromHex(atr)), AtrMatch::Yes) << atr;
  }
  for (const char* atr : {"3F 65 25 00 2C 09 69 90 00",                          // Vitale 1
                          "3B AC 00 40 2A 00 12 25 00 64 80 00 03 10 00 90 00",  // CPS3
                          "3B 75 13 00 00 45 08 EA 90 00", "3B 75 13 00 00 45 09 EB 90 00",
                          "3B 75 13 00 00 45 09 EA 90", "3B 75 13 00 00 45 09 EA 90 00 00"}) {
    EXPECT_EQ(driver_->matchAtr(fromHex(atr)), AtrMatch::No) << atr;
  }
  EXPECT_EQ(driver_->matchAtr(sim::loadProfile("vitale-family").atr), AtrMatch::Yes);
}

TEST_F(VitaleDriverTest, ReadsTheFamilyCard) {
  insert("vitale-family");
  EXPECT_TRUE(driver_->probe(*connection_));
  const std::size_t before = card_->commandCount();
  const CardModel model = driver_->read(*connection_);
  ASSERT_TRUE(std::holds_alternative<PatientCard>(model));
  const auto& card = std::get<PatientCard>(model);
  EXPECT_EQ(card.cardType, "vitale");
  EXPECT_EQ(card.generation, "Vitale 2");
  EXPECT_EQ(card.cardSerial, "92500000000000001001");
  EXPECT_EQ(card.coverageStart, "20200115");
  EXPECT_EQ(card.coverageEnd, "");
  EXPECT_TRUE(card.warnings.empty());
  EXPECT_EQ(card.inventedFields, std::vector<std::string>{"cardSerial"});
  EXPECT_FALSE(card.egk);

  struct Expected {
    const char* given;
    const char* birth;
    const char* nir;
  };
  const Expected expected[] = {{"JEAN", "19750412", "175047505612377"},
                               {"ALICE", "19790328", "279035121518989"},
                               {"LUCAS", "20100305", "175047505612377"},
                               {"EMMA", "20150035", "175047505612377"}};
  ASSERT_EQ(card.beneficiaries.size(), 4u);
  for (std::size_t i = 0; i < 4; ++i) {
    const Person& p = card.beneficiaries[i];
    EXPECT_EQ(p.surname, "DUPONT-TEST");
    EXPECT_EQ(p.givenNames, expected[i].given);
    EXPECT_EQ(p.birthDate, expected[i].birth);
    ASSERT_TRUE(p.nir);
    EXPECT_EQ(p.nir->value, expected[i].nir);
    EXPECT_TRUE(p.nir->keyValid);
    EXPECT_EQ(p.rank, static_cast<int>(i) + 1);
    EXPECT_FALSE(p.sex);
    EXPECT_FALSE(p.relationship);
  }
  // T=0: every answer with data costs a GET RESPONSE. Commands: SELECT VITALE,
  // SELECT 2001, READ, SELECT 2002, 2 READs (300 bytes), SELECT 2003, READ,
  // SELECT MF_VITALE, SELECT 2F02, READ = 11, each followed by GET RESPONSE.
  EXPECT_EQ(card_->commandCount() - before, 22u);
}

TEST_F(VitaleDriverTest, FirstReadNeedsNoSeparateProbe) {
  insert("vitale-family");
  // The ATR alone says Yes (the registry then skips probe()); read() checks the AID.
  ASSERT_EQ(driver_->matchAtr(connection_->atr()), AtrMatch::Yes);
  driver_->read(*connection_);
  EXPECT_EQ(card_->commandCount(), 22u);
}

TEST_F(VitaleDriverTest, ReadsCorsicanNirs) {
  insert("vitale-corse");
  const PatientCard card = read();
  ASSERT_EQ(card.beneficiaries.size(), 2u);
  EXPECT_EQ(card.beneficiaries[0].surname, "CORSE-TEST");
  EXPECT_EQ(card.beneficiaries[0].givenNames, "ANNA");
  EXPECT_EQ(card.beneficiaries[0].nir->value, "253072A07300443");
  EXPECT_TRUE(card.beneficiaries[0].nir->keyValid);
  EXPECT_EQ(card.beneficiaries[1].givenNames, "MARIA");
  EXPECT_EQ(card.beneficiaries[1].nir->value, "253072B07300470");
  EXPECT_TRUE(card.beneficiaries[1].nir->keyValid);
  EXPECT_EQ(card.cardSerial, "92500000000000001002");
  EXPECT_EQ(card.coverageStart, "20190601");
  EXPECT_TRUE(card.warnings.empty());
}

TEST_F(VitaleDriverTest, ReportsAnExpiredCard) {
  insert("vitale-expired");
  const PatientCard card = read();
  ASSERT_EQ(card.beneficiaries.size(), 1u);
  EXPECT_EQ(card.beneficiaries[0].surname, "ANCIEN-TEST");
  EXPECT_EQ(card.beneficiaries[0].givenNames, "PAUL");
  EXPECT_EQ(card.beneficiaries[0].birthDate, "19600101");
  EXPECT_TRUE(card.beneficiaries[0].nir->keyValid);
  EXPECT_EQ(card.coverageStart, "20050301");
  EXPECT_EQ(card.coverageEnd, "20150228");
  EXPECT_EQ(card.inventedFields, (std::vector<std::string>{"cardSerial", "coverageEnd"}));
  EXPECT_EQ(card.warnings, std::vector<std::string>{"The card's validity ended on 2015-02-28."});
  // Before the end date there is no warning.
  EXPECT_TRUE(readCard(*connection_, "20150228").warnings.empty());
}

TEST_F(VitaleDriverTest, WarnsAboutABadNirKeyButReadsTheCard) {
  sim::Profile profile = sim::loadProfile("vitale-corse");
  Bytes& data = file(profile, 0x2002).data;
  // The last character of ANNA's NIR: 3 -> 4.
  const Bytes nir = fromHex("32 35 33 30 37 32 41 30 37 33 30 30 34 34 33");
  auto at = std::search(data.begin(), data.end(), nir.begin(), nir.end());
  ASSERT_NE(at, data.end());
  *(at + 14) = '4';
  insert(std::move(profile));
  const PatientCard card = read();
  EXPECT_FALSE(card.beneficiaries[0].nir->keyValid);
  EXPECT_EQ(card.beneficiaries[0].nir->value, "253072A07300444");
  EXPECT_EQ(card.warnings,
            std::vector<std::string>{"The NIR of beneficiary 1 on the card fails its key check."});
}

TEST_F(VitaleDriverTest, NonVitaleCardIsUnsupported) {
  insert("generic");
  EXPECT_FALSE(driver_->probe(*connection_));
  expectError([&] { read(); }, Errc::CardUnsupported, "no VITALE application");
}

TEST_F(VitaleDriverTest, NoPinOperations) {
  insert("vitale-family");
  expectError([&] { driver_->pinStatus(*connection_); }, Errc::OperationUnsupported);
  expectError([&] { driver_->verifyPin(*connection_, SecretBytes(std::string_view("1234"))); },
              Errc::OperationUnsupported);
  expectError([&] { driver_->readCertificates(*connection_); }, Errc::OperationUnsupported);
  const Bytes hash(32, 0x11);
  expectError(
      [&] {
        driver_->signWithAuthenticationKey(*connection_, hash, SignatureScheme::RsaPkcs1Sha256);
      },
      Errc::OperationUnsupported);
  EXPECT_EQ(card_->commandCount(), 0u);
}

TEST_F(VitaleDriverTest, CardPulledMidReadGivesCardRemovedAndNoModel) {
  for (const std::size_t pullAt : {1u, 6u, 9u, 15u, 21u}) {
    SCOPED_TRACE(pullAt);
    insert("vitale-family");
    card_->setCommandHook([this, pullAt](std::size_t count) {
      if (count == pullAt) transport_.removeCard(0);
    });
    std::optional<CardModel> model;
    expectError([&] { model = driver_->read(*connection_); }, Errc::CardRemoved);
    EXPECT_FALSE(model);
    card_->setCommandHook(nullptr);
  }
}

TEST_F(VitaleDriverTest, GarbagePointerFile) {
  sim::Profile profile = sim::loadProfile("vitale-family");
  file(profile, 0x2001).data = fromHex("E0 20 A0 10 82");
  insert(std::move(profile));
  expectError([&] { read(); }, Errc::CardDataInvalid, "EF 2001");
}

TEST_F(VitaleDriverTest, PointerFileWithoutE0) {
  sim::Profile profile = sim::loadProfile("vitale-family");
  file(profile, 0x2001).data = fromHex("00 00 00 00");
  insert(std::move(profile));
  expectError([&] { read(); }, Errc::CardDataInvalid, "EF 2001: no template E0");
}

TEST_F(VitaleDriverTest, GarbageBeneficiaryFile) {
  sim::Profile profile = sim::loadProfile("vitale-family");
  Bytes& data = file(profile, 0x2002).data;
  data[1] = 0x7F;  // first template longer than what follows it
  insert(std::move(profile));
  expectError([&] { read(); }, Errc::CardDataInvalid, "EF 2002 (EF_BENEF)");
}

TEST_F(VitaleDriverTest, PointerNamesAMissingFile) {
  sim::Profile profile = sim::loadProfile("vitale-family");
  Bytes& pointer = file(profile, 0x2001).data;
  pointer[pointer.size() - 1] = 0x09;  // EF_CARTE -> EF 2009, which does not exist
  insert(std::move(profile));
  expectError([&] { read(); }, Errc::CardDataInvalid, "EF 2009 (EF_CARTE) listed in EF 2001");
}

TEST_F(VitaleDriverTest, ABeneficiaryFileThatIsTooLarge) {
  sim::Profile profile = sim::loadProfile("vitale-family");
  file(profile, 0x2002).data.resize(9000, 0x00);
  insert(std::move(profile));
  expectError([&] { read(); }, Errc::CardDataInvalid, "EF 2002 (EF_BENEF)");
}

TEST_F(VitaleDriverTest, NoBeneficiary) {
  sim::Profile profile = sim::loadProfile("vitale-family");
  file(profile, 0x2002).data = Bytes(300, 0x00);
  insert(std::move(profile));
  expectError([&] { read(); }, Errc::CardDataInvalid, "no beneficiary");
}

TEST_F(VitaleDriverTest, MissingSerialFileLeavesTheSerialEmpty) {
  sim::Profile profile = sim::loadProfile("vitale-family");
  file(profile, 0x2F02, true).fid = 0x2F0A;
  insert(std::move(profile));
  const PatientCard card = read();
  EXPECT_EQ(card.cardSerial, "");
  EXPECT_TRUE(card.inventedFields.empty());
  EXPECT_EQ(card.beneficiaries.size(), 4u);
}

TEST_F(VitaleDriverTest, UnreadableApplicationListedInThePointer) {
  sim::Profile profile = sim::loadProfile("vitale-family");
  Bytes& pointer = file(profile, 0x2001).data;
  // Application 0002 gets an unknown AID and owns EF_CARTE.
  const Bytes mfVitale(std::begin(kMfVitaleAid), std::end(kMfVitaleAid));
  auto at = std::search(pointer.begin(), pointer.end(), mfVitale.begin(), mfVitale.end());
  ASSERT_NE(at, pointer.end());
  *(at + 13) = 'X';
  pointer[pointer.size() - 3] = 0x02;
  insert(std::move(profile));
  expectError([&] { read(); }, Errc::CardDataInvalid, "listed in EF 2001");
}

TEST_F(VitaleDriverTest, RegistersItsProfiles) {
  const auto names = sim::builtinProfileNames();
  for (const char* name : {"vitale-family", "vitale-corse", "vitale-expired"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), name), names.end()) << name;
    const sim::Profile profile = sim::loadProfile(name);
    EXPECT_NE(profile.description.find("TEST"), std::string::npos);
    EXPECT_EQ(profile.protocol, Protocol::T0);
  }
  registerVitaleSimProfiles();  // twice is harmless
}

TEST(VitaleToday, IsEightDigits) {
  const std::string today = todayUtc();
  ASSERT_EQ(today.size(), 8u);
  EXPECT_GE(today, "20250101");
}

// Every beneficiary is found by the NIR on the card (children share the
// holder's); the driver says that this is card data, not a qualified INS.
TEST_F(VitaleDriverTest, TypesEachBeneficiarysNirAsCardData) {
  insert("vitale-family");
  const auto card = std::get<PatientCard>(driver_->read(*connection_));
  ASSERT_EQ(card.beneficiaries.size(), 4u);
  for (const Person& person : card.beneficiaries) {
    ASSERT_TRUE(person.patientId);
    EXPECT_EQ(person.patientId->idType, "nir-card");
    EXPECT_EQ(person.patientId->id, person.nir->value);
  }
  EXPECT_EQ(card.identifierNote, "card data for reimbursement; not a qualified INS.");
}

}  // namespace
}  // namespace hcbridge::drivers::vitale
