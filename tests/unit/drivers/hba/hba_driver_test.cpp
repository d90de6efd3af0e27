// The HBA driver against gematik's card images served by the simulator.
#include "hba_driver.hpp"

#include <gtest/gtest.h>
#include <openssl/asn1.h>

#include "../egk/german_test_support.hpp"
#include "egk_driver.hpp"
#include "gematik_card.hpp"
#include "hba_certificate.hpp"
#include "hcbridge/atr.hpp"
#include "hcbridge_test/gematik_images.hpp"

namespace hcbridge::testing {
namespace {

class HbaDriver : public GematikImagesTest<> {};
class HbaCertificate : public GematikImagesTest<> {};

const Bytes kHash = fromHex("2CF24DBA5FB0A30E26E83B2AC5B9E29E1B161E5C1FA7425E73043362938B9824");

PractitionerCard readHba(CardConnection& connection) {
  const auto model = drivers::makeHbaDriver()->read(connection);
  EXPECT_TRUE(std::holds_alternative<PractitionerCard>(model));
  return std::get<PractitionerCard>(model);
}

std::string asn1Time(const ASN1_TIME* time) {
  std::tm parts{};
  if (ASN1_TIME_to_tm(time, &parts) != 1) return {};
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d", &parts);
  return text;
}

TEST_F(HbaDriver, ReadsTheG21Identity) {
  SimCard sim(kHbaG21);
  const PractitionerCard card = readHba(*sim.connection);
  EXPECT_EQ(card.cardType, "hba");
  EXPECT_EQ(card.generation, "G2.1");
  EXPECT_EQ(card.cardSerial, "80276883110000205690");
  EXPECT_EQ(card.givenNames, "Lukas y");
  EXPECT_EQ(card.surname, "Ni\xC3\xB1o G\xC3\xB4mez");
  EXPECT_EQ(card.title, "");
  EXPECT_EQ(card.profession, "\xC3\x84rztin/Arzt");
  EXPECT_EQ(card.professionCode, "1.2.276.0.76.4.30");
  EXPECT_EQ(card.registrationNumber, "1-HBA-Testkarte-883110000205690");
  EXPECT_EQ(card.telematikId, "1-HBA-Testkarte-883110000205690");
  ASSERT_EQ(card.certificates.size(), 1u);
  EXPECT_EQ(card.certificates[0].label, "C.HP.AUT.E256");
  EXPECT_EQ(card.certificates[0].der.size(), 955u);
  const auto certificate = parseCertificate(card.certificates[0].der);
  ASSERT_TRUE(certificate);
  EXPECT_EQ(asn1Time(X509_get0_notBefore(certificate.get())), "2018-10-11");
  EXPECT_EQ(asn1Time(X509_get0_notAfter(certificate.get())), "2020-10-10");
  char issuer[256];
  X509_NAME_get_text_by_NID(X509_get_issuer_name(certificate.get()), NID_commonName, issuer,
                            sizeof issuer);
  EXPECT_STREQ(issuer, "GEM.HBA-CA13 TEST-ONLY");
  const auto identity = drivers::hba::parseHbaCertificate(card.certificates[0].der, "test");
  EXPECT_EQ(identity.serialNumber, card.cardSerial);
}

TEST_F(HbaDriver, ReadsTheG2Identity) {
  SimCard sim(kHbaG2);
  const PractitionerCard card = readHba(*sim.connection);
  EXPECT_EQ(card.generation, "G2");
  EXPECT_EQ(card.cardSerial, "80276883110000017289");
  EXPECT_EQ(card.title, "Prof. Dr.");
  EXPECT_EQ(card.givenNames, "Ullrich");
  EXPECT_EQ(card.surname, "Goerlitzer");
  EXPECT_EQ(card.profession, "Psychologische/-r Psychotherapeut/-in");
  EXPECT_EQ(card.registrationNumber, "4-11a4103-001");
  ASSERT_EQ(card.certificates.size(), 1u);
  EXPECT_EQ(card.certificates[0].label, "C.HP.AUT.R2048");
  EXPECT_EQ(card.certificates[0].der.size(), 1418u);
}

TEST_F(HbaDriver, RecognisesTheCardByAidProbe) {
  const auto hba = drivers::makeHbaDriver();
  const auto egk = drivers::makeEgkDriver();
  SimCard sim(kHbaG21);
  EXPECT_EQ(hba->matchAtr(sim.connection->atr()), AtrMatch::Maybe);
  EXPECT_TRUE(hba->probe(*sim.connection));
  EXPECT_FALSE(egk->probe(*sim.connection));
  EXPECT_EQ(hba->kind(), CardKind::Practitioner);
  expectError([&] { egk->read(*sim.connection); }, Errc::CardUnsupported, "not an eGK");
}

// docs/cards-german.md "Recognising the cards": the ATRs both HBA images
// publish (cold and warm reset) are rows naming an HBA; the probe decides.
TEST_F(HbaDriver, RecognisesThePublishedHbaAtrs) {
  const auto hba = drivers::makeHbaDriver();
  for (const char* image : {kHbaG21, kHbaG2}) {
    for (const char* reset : {"coldAnswerToReset", "warmAnswerToReset"}) {
      SCOPED_TRACE(std::string(image) + " " + reset);
      const Bytes atr = imageAtr(image, reset);
      const atr::MaskedAtr* row = atr::findMatch(atr, drivers::gematik::atrRows());
      ASSERT_NE(row, nullptr);
      EXPECT_NE(row->product.find("HBA"), std::string_view::npos);
      EXPECT_EQ(hba->matchAtr(atr), AtrMatch::Maybe);
    }
  }
  EXPECT_EQ(hba->matchAtr(fromHex("3B 90 96 81 B1 FE 45 1F 03 91")), AtrMatch::Maybe);
  EXPECT_EQ(hba->matchAtr(fromHex("3B 80 01 81")), AtrMatch::Maybe);  // the rule, not a row
  EXPECT_EQ(hba->matchAtr(fromHex("3B 90 96 81 B1 FE 45 1F 03 90")), AtrMatch::No);  // wrong TCK
  // Historical bytes (a CPS4), then T=0 only.
  EXPECT_EQ(hba->matchAtr(fromHex("3B 9B 18 80 01 00 12 25 00 64 80 04 01 00 00 90 44")),
            AtrMatch::No);
  EXPECT_EQ(hba->matchAtr(fromHex("3B 00")), AtrMatch::No);
}

TEST_F(HbaDriver, FirstReadSendsTheMinimumOfApdus) {
  SimCard sim(kHbaG21);
  ShortApduConnection shortApdus(*sim.connection);
  std::size_t before = sim.card->commandCount();
  readHba(shortApdus);
  // SELECT MF, Version2, GDO, SELECT DF.ESIGN, 4 x 256 bytes of the 955-byte certificate.
  EXPECT_EQ(sim.card->commandCount() - before, 8u);
  before = sim.card->commandCount();
  readHba(*sim.connection);  // extended Le: one READ BINARY for the certificate
  EXPECT_EQ(sim.card->commandCount() - before, 5u);

  SimCard g2(kHbaG2);  // C.HP.AUT.R2048: 1418 bytes, 6 READ BINARY of 256
  ShortApduConnection shortG2(*g2.connection);
  before = g2.card->commandCount();
  readHba(shortG2);
  EXPECT_EQ(g2.card->commandCount() - before, 10u);
}

TEST_F(HbaDriver, PinCountsDownBlocksAndVerifies) {
  SimCard sim(kHbaG21);
  const auto hba = drivers::makeHbaDriver();
  EXPECT_EQ(hba->pinStatus(*sim.connection).triesLeft, 3);
  try {
    hba->verifyPin(*sim.connection, SecretBytes(std::string_view("111111")));
    ADD_FAILURE();
  } catch (const PinError& e) {
    EXPECT_EQ(e.code(), Errc::PinIncorrect);
    EXPECT_EQ(e.retriesLeft(), 2);
  }
  hba->verifyPin(*sim.connection, SecretBytes(std::string_view("123456")));
  PinStatus status = hba->pinStatus(*sim.connection);
  EXPECT_TRUE(status.verified);
  EXPECT_EQ(status.triesLeft, 3);

  SimCard other(kHbaG2);
  for (int i = 0; i < 2; ++i) {
    EXPECT_THROW(hba->verifyPin(*other.connection, SecretBytes(std::string_view("11111111"))),
                 PinError);
  }
  expectError([&] { hba->verifyPin(*other.connection, SecretBytes(std::string_view("11111111"))); },
              Errc::PinBlocked, "blocked");
  status = hba->pinStatus(*other.connection);
  EXPECT_TRUE(status.blocked);
  EXPECT_FALSE(status.verified);
}

TEST_F(HbaDriver, SignsWithBothAuthenticationKeys) {
  SimCard sim(kHbaG21);
  const auto hba = drivers::makeHbaDriver();
  const auto certificates = hba->readCertificates(*sim.connection);
  ASSERT_EQ(certificates.size(), 2u);
  EXPECT_EQ(certificates[0].label, "C.HP.AUT.E256");
  EXPECT_EQ(certificates[1].label, "C.HP.AUT.R2048");
  EXPECT_EQ(certificates[1].der.size(), 1341u);
  expectError(
      [&] { hba->signWithAuthenticationKey(*sim.connection, kHash, SignatureScheme::EcdsaSha256); },
      Errc::PinRequired, "PIN");
  hba->verifyPin(*sim.connection, SecretBytes(std::string_view("123456")));
  const Bytes ecdsa =
      hba->signWithAuthenticationKey(*sim.connection, kHash, SignatureScheme::EcdsaSha256);
  EXPECT_TRUE(verifiesWith(certificates[0].der, kHash, ecdsa));
  const Bytes rsa =
      hba->signWithAuthenticationKey(*sim.connection, kHash, SignatureScheme::RsaPkcs1Sha256);
  EXPECT_TRUE(verifiesWith(certificates[1].der, kHash, rsa));
}

TEST_F(HbaDriver, G2SignsWithRsa) {
  SimCard sim(kHbaG2);
  const auto hba = drivers::makeHbaDriver();
  const auto certificates = hba->readCertificates(*sim.connection);
  ASSERT_EQ(certificates.size(), 1u);
  hba->verifyPin(*sim.connection, SecretBytes(std::string_view("123456")));
  const Bytes rsa =
      hba->signWithAuthenticationKey(*sim.connection, kHash, SignatureScheme::RsaPkcs1Sha256);
  EXPECT_TRUE(verifiesWith(certificates[0].der, kHash, rsa));
  expectError(
      [&] { hba->signWithAuthenticationKey(*sim.connection, kHash, SignatureScheme::EcdsaSha256); },
      Errc::OperationUnsupported, "ECC");
}

TEST_F(HbaDriver, TruncatedOrGarbledCertificate) {
  sim::Profile truncated = gematikImage(kHbaG21);
  fileIn(truncated, {kEsign}, 0xC506).data.resize(600);
  SimCard first(std::move(truncated));
  std::optional<CardModel> model;
  expectError([&] { model = drivers::makeHbaDriver()->read(*first.connection); },
              Errc::CardDataInvalid, "EF.C.HP.AUT.E256");
  EXPECT_FALSE(model);

  sim::Profile garbled = gematikImage(kHbaG21);
  fileIn(garbled, {kEsign}, 0xC506).data[4] = 0x31;  // TBSCertificate is no SEQUENCE
  SimCard second(std::move(garbled));
  expectError([&] { model = drivers::makeHbaDriver()->read(*second.connection); },
              Errc::CardDataInvalid, "EF.C.HP.AUT.E256");
  EXPECT_FALSE(model);
}

TEST_F(HbaDriver, CardPulledMidRead) {
  for (std::size_t pullAfter = 1; pullAfter <= 5; ++pullAfter) {
    SimCard sim(kHbaG21);
    const std::size_t start = sim.card->commandCount();
    sim.card->setCommandHook([&, pullAfter](std::size_t count) {
      if (count - start == pullAfter) sim.transport.removeCard(0);
    });
    std::optional<CardModel> model;
    expectError([&] { model = drivers::makeHbaDriver()->read(*sim.connection); }, Errc::CardRemoved,
                "removed");
    EXPECT_FALSE(model);
  }
}

TEST_F(HbaCertificate, ParsesAnEgkCertificateAndRejectsGarbage) {
  expectError([] { drivers::hba::parseHbaCertificate(fromHex("30 03 02 01 01"), "EF.C.X"); },
              Errc::CardDataInvalid, "EF.C.X");
  // The eGK's certificate has an admission too: the insured person's role.
  SimCard sim(kEgkEcc);
  const auto certificates = drivers::makeEgkDriver()->readCertificates(*sim.connection);
  const auto identity = drivers::hba::parseHbaCertificate(certificates[0].der, "EF.C.CH.AUT.E256");
  EXPECT_EQ(identity.surname, "\xC3\x90oria");
  EXPECT_EQ(identity.profession, "Versicherte/-r");
  EXPECT_EQ(identity.registrationNumber, "");
}

TEST_F(HbaDriver, FillsTheTelematikIdAndWhoUnblocksThePin) {
  SimCard sim(kHbaG21);
  const PractitionerCard card = readHba(*sim.connection);
  ASSERT_TRUE(card.professionalId);
  EXPECT_EQ(card.professionalId->idType, "telematik-id");
  EXPECT_EQ(card.professionalId->id, "1-HBA-Testkarte-883110000205690");
  EXPECT_NE(card.pinBlockedHint.find("Landesaerztekammer"), std::string::npos)
      << card.pinBlockedHint;
}

}  // namespace
}  // namespace hcbridge::testing
