// eGK and HBA drivers against real pcscd: gematik's card images served by
// the simulator through vpcd, read through the PC/SC transport.
#include <gtest/gtest.h>

#include <filesystem>

#include "egk_driver.hpp"
#include "hba_driver.hpp"
#include "hcbridge/error.hpp"
#include "hcbridge_test/gematik_images.hpp"
#include "sim_fixture.hpp"

namespace hcbridge::testing {
namespace {

const std::filesystem::path kImages = HCBRIDGE_GEMATIK_IMAGES;

std::string image(const char* file) {
  return (kImages / file).string();
}

TEST_F(PcscIntegrationTest, ReadsTheEgkG21ThroughPcscd) {
  HCBRIDGE_SKIP_WITHOUT_GEMATIK_IMAGES();
  auto& client = insertCard(image("EGK_G2_1_ecc.xml"), 0);
  auto connection = transport_->connect(kReader0, ShareMode::Shared);
  EXPECT_EQ(connection->atr(), fromHex("3BD096FF81B1FE451F032E"));
  const auto egk = drivers::makeEgkDriver();
  const auto hba = drivers::makeHbaDriver();
  EXPECT_EQ(egk->matchAtr(connection->atr()), AtrMatch::Maybe);
  EXPECT_FALSE(hba->probe(*connection));
  EXPECT_TRUE(egk->probe(*connection));

  Transaction transaction(*connection);
  const std::size_t before = client.card()->commandCount();
  const CardModel model = egk->read(*connection);
  const std::size_t apdus = client.card()->commandCount() - before;
  // Short APDUs (the ATR announces no extended length): 9; extended: 7.
  EXPECT_EQ(apdus, connection->extendedLengthSupported() ? 7u : 9u);

  ASSERT_TRUE(std::holds_alternative<PatientCard>(model));
  const auto& card = std::get<PatientCard>(model);
  EXPECT_EQ(card.generation, "G2.1");
  EXPECT_EQ(card.cardSerial, "80276883110000095711");
  ASSERT_EQ(card.beneficiaries.size(), 1u);
  EXPECT_EQ(card.beneficiaries[0].surname, "\xC3\x90oria");
  EXPECT_EQ(card.beneficiaries[0].nameSuffix, "Freifrau");
  EXPECT_EQ(card.beneficiaries[0].address->street, "M\xC3\xBChlenstr.");
  ASSERT_TRUE(card.egk.has_value());
  EXPECT_EQ(card.egk->insuranceNumber, "X110408667");
  EXPECT_EQ(card.egk->billingInsurer.code, "991734566");
  EXPECT_EQ(card.insurer.code, "999567890");
  EXPECT_EQ(card.coverageStart, "20180621");
}

TEST_F(PcscIntegrationTest, EgkPinAndSignatureThroughPcscd) {
  HCBRIDGE_SKIP_WITHOUT_GEMATIK_IMAGES();
  insertCard(image("EGK_G2_1_ecc.xml"), 0);
  auto connection = transport_->connect(kReader0, ShareMode::Shared);
  const auto egk = drivers::makeEgkDriver();
  Transaction transaction(*connection);
  EXPECT_EQ(egk->pinStatus(*connection).triesLeft, 3);
  try {
    egk->verifyPin(*connection, SecretBytes(std::string_view("000000")));
    FAIL() << "a wrong PIN was accepted";
  } catch (const PinError& e) {
    EXPECT_EQ(e.retriesLeft(), 2);
  }
  egk->verifyPin(*connection, SecretBytes(std::string_view("123456")));
  EXPECT_TRUE(egk->pinStatus(*connection).verified);
  const Bytes hash(32, 0x5A);
  EXPECT_EQ(egk->signWithAuthenticationKey(*connection, hash, SignatureScheme::EcdsaSha256).size(),
            64u);
  EXPECT_EQ(egk->readCertificates(*connection).size(), 2u);
}

TEST_F(PcscIntegrationTest, ReadsTheHbaG21ThroughPcscd) {
  HCBRIDGE_SKIP_WITHOUT_GEMATIK_IMAGES();
  insertCard(image("HBA_G2_1_80276883110000205690_gema5.xml"), 1);
  auto connection = transport_->connect(kReader1, ShareMode::Shared);
  const auto hba = drivers::makeHbaDriver();
  EXPECT_EQ(hba->matchAtr(connection->atr()), AtrMatch::Maybe);
  EXPECT_FALSE(drivers::makeEgkDriver()->probe(*connection));
  EXPECT_TRUE(hba->probe(*connection));
  Transaction transaction(*connection);
  const CardModel model = hba->read(*connection);
  ASSERT_TRUE(std::holds_alternative<PractitionerCard>(model));
  const auto& card = std::get<PractitionerCard>(model);
  EXPECT_EQ(card.cardType, "hba");
  EXPECT_EQ(card.generation, "G2.1");
  EXPECT_EQ(card.cardSerial, "80276883110000205690");
  EXPECT_EQ(card.givenNames, "Lukas y");
  EXPECT_EQ(card.surname, "Ni\xC3\xB1o G\xC3\xB4mez");
  EXPECT_EQ(card.profession, "\xC3\x84rztin/Arzt");
  EXPECT_EQ(card.registrationNumber, "1-HBA-Testkarte-883110000205690");
  ASSERT_EQ(card.certificates.size(), 1u);
  EXPECT_EQ(card.certificates[0].der.size(), 955u);

  hba->verifyPin(*connection, SecretBytes(std::string_view("123456")));
  const Bytes hash(32, 0x11);
  EXPECT_EQ(
      hba->signWithAuthenticationKey(*connection, hash, SignatureScheme::RsaPkcs1Sha256).size(),
      256u);
}

TEST_F(PcscIntegrationTest, EgkPulledMidReadGivesCardRemoved) {
  HCBRIDGE_SKIP_WITHOUT_GEMATIK_IMAGES();
  auto& client = insertCard(image("EGK_G2_1_ecc.xml"), 0);
  auto connection = transport_->connect(kReader0, ShareMode::Shared);
  client.pullAfterApdus(6);  // counts from insertion: during EF.PD
  try {
    drivers::makeEgkDriver()->read(*connection);
    FAIL() << "read a card that was pulled";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), Errc::CardRemoved) << error.what();
  }
}

}  // namespace
}  // namespace hcbridge::testing
