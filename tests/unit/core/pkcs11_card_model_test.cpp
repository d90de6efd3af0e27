// Which of a token's certificates is the practitioner's authentication
// certificate, and the card model made from it (TEST PKI certificates).
#include "pkcs11_card_model.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "hcbridge/error.hpp"
#include "hcbridge_test/expect_error.hpp"

namespace hcbridge::core {
namespace {

using hcbridge::testing::expectError;
namespace fs = std::filesystem;

const fs::path kPki = HCBRIDGE_PKI_DIR;

Bytes der(const std::string& name) {
  std::ifstream in(kPki / (name + ".cert.der"), std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), {});
}

pkcs11::TokenInfo token() {
  pkcs11::TokenInfo info;
  info.label = "CPS de TEST";
  info.model = "IAS-ECC";
  info.serialNumber = "2501099213845";
  return info;
}

TEST(Pkcs11CardModel, TheAuthenticationCertificateWinsOverTheSignatureOne) {
  // As a CPS shows them: the signature certificate (nonRepudiation) first.
  const std::vector<pkcs11::CertificateObject> certificates = {
      {{0x01}, "Certificat de Signature CPS", der("cps-demo-sign")},
      {{0x02}, "Certificat d'Authentification CPS", der("cps-demo-auth")},
      {{0x03}, "CA", der("intermediate")}};
  const TokenCard card = practitionerCardOfToken(token(), certificates, {});
  EXPECT_EQ(card.keyId, Bytes{0x02});
  ASSERT_EQ(card.card.certificates.size(), 3u);
  EXPECT_EQ(card.card.certificates.front().der, der("cps-demo-auth"));
  EXPECT_EQ(card.card.cardType, "cps");
  EXPECT_EQ(card.card.surname, "DURAND-TEST");
  EXPECT_EQ(card.card.givenNames, "Hélène");
  EXPECT_EQ(card.card.nationalId, "810101201234");
  ASSERT_TRUE(card.card.professionalId);
  EXPECT_EQ(card.card.professionalId->idType, "rpps");
  EXPECT_EQ(card.card.professionalId->id, "10101201234");
  EXPECT_EQ(card.card.cardSerial, "2501099213845");
}

TEST(Pkcs11CardModel, AConfiguredKeyIdChoosesItsCertificate) {
  const std::vector<pkcs11::CertificateObject> certificates = {
      {{0x02}, "auth", der("cps-demo-auth")}, {{0x07}, "ec", der("cps-ec-auth")}};
  EXPECT_EQ(practitionerCardOfToken(token(), certificates, {0x07}).card.certificates.front().der,
            der("cps-ec-auth"));
  expectError([&] { practitionerCardOfToken(token(), certificates, {0x09}); },
              Errc::CardDataInvalid, "practitioner_pkcs11.key_id");
}

TEST(Pkcs11CardModel, ATokenWithoutAnAuthenticationCertificateIsRefused) {
  expectError([] { practitionerCardOfToken(token(), {}, {}); }, Errc::CardDataInvalid,
              "no certificate for authentication");
  // A signature-only certificate, a CA, and a certificate without CKA_ID do not qualify.
  const std::vector<pkcs11::CertificateObject> unusable = {
      {{0x01}, "sign", der("cps-demo-sign")},
      {{0x03}, "CA", der("intermediate")},
      {{}, "no id", der("cps-demo-auth")},
      {{0x04}, "not DER", Bytes{0x30, 0x03, 0x02, 0x01}}};
  expectError([&] { practitionerCardOfToken(token(), unusable, {}); }, Errc::CardDataInvalid,
              "no certificate for authentication");
}

TEST(Pkcs11CardModel, ACertificateNamingNoPractitionerIsRefused) {
  // A patient card's certificate (no idNat, no Telematik-ID) names no practitioner.
  const std::vector<pkcs11::CertificateObject> patient = {
      {{0x01}, "card", der("vitale-family-card")}};
  expectError([&] { practitionerCardOfToken(token(), patient, {}); }, Errc::CertificatePolicy, "");
}

}  // namespace
}  // namespace hcbridge::core
