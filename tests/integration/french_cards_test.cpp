// Carte Vitale and CPS drivers against real pcscd: the vitale-family and
// cps-demo simulator profiles served through vpcd, read through the PC/SC
// transport, in the two slots of the virtual reader as at a practitioner's desk.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include "cps_driver.hpp"
#include "cps_sim_profiles.hpp"
#include "hcbridge/base/openssl_handle.hpp"
#include "hcbridge/error.hpp"
#include "sim_fixture.hpp"
#include "vitale_driver.hpp"
#include "vitale_sim_profiles.hpp"

namespace hcbridge::testing {
namespace {

class FrenchCardsTest : public PcscIntegrationTest {
 protected:
  void SetUp() override {
    drivers::registerVitaleSimProfiles();
    drivers::registerCpsSimProfiles();
    PcscIntegrationTest::SetUp();
  }
};

bool signatureVerifies(const Bytes& certificate, const Bytes& hash, const Bytes& signature) {
  const unsigned char* cursor = certificate.data();
  const base::X509Handle cert(d2i_X509(nullptr, &cursor, static_cast<long>(certificate.size())));
  if (!cert) return false;
  const base::EvpPkeyCtxHandle ctx(EVP_PKEY_CTX_new(X509_get0_pubkey(cert.get()), nullptr));
  return ctx && EVP_PKEY_verify_init(ctx.get()) == 1 &&
         EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) == 1 &&
         EVP_PKEY_CTX_set_signature_md(ctx.get(), EVP_sha256()) == 1 &&
         EVP_PKEY_verify(ctx.get(), signature.data(), signature.size(), hash.data(), hash.size()) ==
             1;
}

TEST_F(FrenchCardsTest, ReadsTheVitaleFamilyCardThroughPcscd) {
  auto& client = insertCard("vitale-family", 0);
  auto connection = transport_->connect(kReader0, ShareMode::Shared);
  const auto vitale = drivers::makeVitaleDriver();
  ASSERT_EQ(vitale->matchAtr(connection->atr()), AtrMatch::Yes);
  EXPECT_EQ(drivers::makeCpsDriver()->matchAtr(connection->atr()), AtrMatch::No);

  Transaction transaction(*connection);
  const std::size_t before = client.card()->commandCount();
  const CardModel model = vitale->read(*connection);
  // 11 commands, each answered through GET RESPONSE (T=0), as in-process.
  EXPECT_EQ(client.card()->commandCount() - before, 22u);
  ASSERT_TRUE(std::holds_alternative<PatientCard>(model));
  const auto& card = std::get<PatientCard>(model);
  EXPECT_EQ(card.cardType, "vitale");
  EXPECT_EQ(card.cardSerial, "92500000000000001001");
  ASSERT_EQ(card.beneficiaries.size(), 4u);
  EXPECT_EQ(card.beneficiaries[0].surname, "DUPONT-TEST");
  EXPECT_EQ(card.beneficiaries[0].givenNames, "JEAN");
  EXPECT_EQ(card.beneficiaries[1].nir->value, "279035121518989");
  EXPECT_EQ(card.beneficiaries[3].birthDate, "20150035");
  for (const auto& person : card.beneficiaries) EXPECT_TRUE(person.nir->keyValid);
  EXPECT_EQ(card.coverageStart, "20200115");
}

TEST_F(FrenchCardsTest, CpsDemoThroughPcscdNextToTheVitale) {
  insertCard("vitale-family", 0);
  auto& client = insertCard("cps-demo", 1);
  auto connection = transport_->connect(kReader1, ShareMode::Shared);
  const auto cps = drivers::makeCpsDriver();
  ASSERT_EQ(cps->matchAtr(connection->atr()), AtrMatch::Yes);
  EXPECT_EQ(drivers::makeVitaleDriver()->matchAtr(connection->atr()), AtrMatch::No);

  Transaction transaction(*connection);
  EXPECT_TRUE(cps->probe(*connection));
  const std::size_t before = client.card()->commandCount();
  const CardModel model = cps->read(*connection);
  // 11 commands + 10 GET RESPONSE (T=0) for a 1021-byte certificate.
  EXPECT_EQ(client.card()->commandCount() - before, 21u);
  ASSERT_TRUE(std::holds_alternative<PractitionerCard>(model));
  const auto& card = std::get<PractitionerCard>(model);
  EXPECT_EQ(card.generation, "CPS3");
  EXPECT_EQ(card.cardSerial, "99001234");
  EXPECT_EQ(card.surname, "DURAND-TEST");
  EXPECT_EQ(card.nationalId, "810101201234");
  EXPECT_EQ(card.professionCode, "10");
  ASSERT_EQ(card.certificates.size(), 1u);

  EXPECT_EQ(cps->pinStatus(*connection).triesLeft, 3);
  try {
    cps->verifyPin(*connection, SecretBytes(std::string_view("0000")));
    FAIL() << "a wrong PIN was accepted";
  } catch (const PinError& e) {
    EXPECT_EQ(e.code(), Errc::PinIncorrect);
    EXPECT_EQ(e.retriesLeft(), 2);
  }
  EXPECT_EQ(cps->pinStatus(*connection).triesLeft, 2);
  cps->verifyPin(*connection, SecretBytes(std::string_view("1234")));
  EXPECT_EQ(cps->pinStatus(*connection).triesLeft, 3);

  Bytes hash(SHA256_DIGEST_LENGTH);
  const std::string challenge = "hcbridge TEST challenge over pcscd";
  SHA256(reinterpret_cast<const unsigned char*>(challenge.data()), challenge.size(), hash.data());
  const Bytes signature =
      cps->signWithAuthenticationKey(*connection, hash, SignatureScheme::RsaPkcs1Sha256);
  EXPECT_EQ(signature.size(), 256u);
  EXPECT_TRUE(signatureVerifies(card.certificates[0].der, hash, signature));
  const auto certificates = cps->readCertificates(*connection);
  ASSERT_EQ(certificates.size(), 2u);
  EXPECT_EQ(certificates[0].der, card.certificates[0].der);
}

TEST_F(FrenchCardsTest, CpsPulledDuringTheReadThroughPcscd) {
  auto& client = insertCard("cps-demo", 0);
  auto connection = transport_->connect(kReader0, ShareMode::Shared);
  client.pullAfterApdus(6);
  const auto cps = drivers::makeCpsDriver();
  try {
    cps->read(*connection);
    FAIL() << "the read of a pulled card succeeded";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Errc::CardRemoved) << e.what();
  }
}

}  // namespace
}  // namespace hcbridge::testing
