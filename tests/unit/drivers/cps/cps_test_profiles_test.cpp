// The CPS profiles made for the practitioner-certificate checks (expired,
// revoked, untrusted CA, wrong key usage, copied certificate): each reads as
// its practitioner, signs after PIN 1234, and carries the TEST PKI
// certificate it is made for.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <memory>
#include <string>

#include "cps_driver.hpp"
#include "cps_sim_profiles.hpp"
#include "hcbridge/base/openssl_handle.hpp"
#include "hcbridge/sim/card.hpp"
#include "hcbridge/sim/profile.hpp"
#include "hcbridge/sim/sim_transport.hpp"
#include "test_support.hpp"

namespace hcbridge::drivers::cps {
namespace {

using testing::expectError;
using testing::pkiFile;

struct Expected {
  const char* profile;
  const char* certificate;  // TEST PKI fixture the card carries
  const char* surname;
  const char* givenNames;
  const char* nationalId;
  bool signatureMatches;  // false: the key is not the certificate's
};

const Expected kProfiles[] = {
    {"cps-expired", "cps-expired-auth", "ANCIEN-TEST", "Paul", "810000000027", true},
    {"cps-revoked", "cps-revoked-auth", "REVOQUE-TEST", "Marc", "810000000035", true},
    {"cps-wrong-ca", "cps-wrong-ca-auth", "FAUSSE-TEST", "Eve", "810000000043", true},
    {"cps-wrong-usage", "cps-wrong-usage-auth", "USAGE-TEST", "Ugo", "810000000050", true},
    {"cps-cloned", "cps-demo-auth", "DURAND-TEST", "Hélène", "810101201234", false},
};

base::X509Handle certificateOf(const Bytes& der) {
  const unsigned char* cursor = der.data();
  return base::X509Handle(d2i_X509(nullptr, &cursor, static_cast<long>(der.size())));
}

// PKCS#1 v1.5 over a SHA-256 hash, with the certificate's public key.
bool verifies(const Bytes& certificate, const Bytes& hash, const Bytes& signature) {
  const base::X509Handle cert = certificateOf(certificate);
  if (!cert) return false;
  const base::EvpPkeyCtxHandle ctx(EVP_PKEY_CTX_new(X509_get0_pubkey(cert.get()), nullptr));
  return ctx && EVP_PKEY_verify_init(ctx.get()) == 1 &&
         EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) == 1 &&
         EVP_PKEY_CTX_set_signature_md(ctx.get(), EVP_sha256()) == 1 &&
         EVP_PKEY_verify(ctx.get(), signature.data(), signature.size(), hash.data(), hash.size()) ==
             1;
}

std::string issuerCommonName(const Bytes& der) {
  const base::X509Handle cert = certificateOf(der);
  if (!cert) return {};
  char name[256] = {};
  X509_NAME_get_text_by_NID(X509_get_issuer_name(cert.get()), NID_commonName, name, sizeof name);
  return name;
}

class CpsTestProfiles : public ::testing::TestWithParam<Expected> {
 protected:
  static void SetUpTestSuite() { registerCpsSimProfiles(); }

  void SetUp() override {
    card_ = std::make_shared<sim::Card>(sim::loadProfile(GetParam().profile));
    transport_.insertCard(0, card_);
    connection_ = transport_.connect("hcbridge simulated reader 0");
  }

  sim::SimTransport transport_;
  std::shared_ptr<sim::Card> card_;
  std::unique_ptr<CardConnection> connection_;
  std::unique_ptr<CardDriver> driver_ = makeCpsDriver();
};

TEST_P(CpsTestProfiles, ReadsThePractitionerOfItsCertificate) {
  const Expected& expected = GetParam();
  const auto card = std::get<PractitionerCard>(driver_->read(*connection_));
  EXPECT_EQ(card.surname, expected.surname);
  EXPECT_EQ(card.givenNames, expected.givenNames);
  EXPECT_EQ(card.nationalId, expected.nationalId);
  ASSERT_EQ(card.certificates.size(), 1u);
  EXPECT_EQ(card.certificates[0].der, pkiFile(std::string(expected.certificate) + ".cert.der"));
  // Only the authentication pair is on these cards.
  EXPECT_EQ(driver_->readCertificates(*connection_).size(), 1u);
}

TEST_P(CpsTestProfiles, SignsWithPin1234AndTheSignatureMatchesOrNot) {
  const Expected& expected = GetParam();
  Bytes hash(SHA256_DIGEST_LENGTH);
  const std::string challenge = std::string("TEST challenge for ") + expected.profile;
  SHA256(reinterpret_cast<const unsigned char*>(challenge.data()), challenge.size(), hash.data());
  driver_->verifyPin(*connection_, SecretBytes(std::string_view("1234")));
  const Bytes signature =
      driver_->signWithAuthenticationKey(*connection_, hash, SignatureScheme::RsaPkcs1Sha256);
  const Bytes certificate = driver_->readCertificates(*connection_)[0].der;
  EXPECT_EQ(verifies(certificate, hash, signature), expected.signatureMatches);
}

TEST_P(CpsTestProfiles, HasNoPatientCardAuthentication) {
  expectError([&] { driver_->proveAuthenticity(*connection_, Bytes(32, 0x5A)); },
              Errc::OperationUnsupported, "has no card-authentication function hcbridge can use");
}

TEST_P(CpsTestProfiles, IsRegisteredAndSaysWhatIsInvented) {
  const auto names = sim::builtinProfileNames();
  EXPECT_NE(std::find(names.begin(), names.end(), GetParam().profile), names.end());
  const sim::Profile profile = sim::loadProfile(GetParam().profile);
  EXPECT_NE(profile.description.find("TEST"), std::string::npos);
  EXPECT_NE(profile.description.find("Invented"), std::string::npos);
  ASSERT_EQ(profile.pins.size(), 1u);
  EXPECT_EQ(profile.pins[0].triesLeft, 3);
  EXPECT_EQ(variantFromAtr(profile.atr), Variant::Cps3Contact);
}

INSTANTIATE_TEST_SUITE_P(Profiles, CpsTestProfiles, ::testing::ValuesIn(kProfiles),
                         [](const ::testing::TestParamInfo<Expected>& instance) {
                           std::string name = instance.param.profile;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

// What each certificate is made to fail on.
TEST(CpsTestProfileCertificates, FailForTheirReason) {
  EXPECT_EQ(issuerCommonName(pkiFile("cps-wrong-ca-auth.cert.der")), "TEST hcbridge Other Root CA");
  EXPECT_EQ(issuerCommonName(pkiFile("cps-revoked-auth.cert.der")),
            "TEST hcbridge CPS Intermediate CA");
  const base::X509Handle usage = certificateOf(pkiFile("cps-wrong-usage-auth.cert.der"));
  ASSERT_TRUE(usage);
  EXPECT_EQ(X509_get_key_usage(usage.get()), static_cast<std::uint32_t>(KU_KEY_ENCIPHERMENT));
  const base::X509Handle expired = certificateOf(pkiFile("cps-expired-auth.cert.der"));
  ASSERT_TRUE(expired);
  EXPECT_LT(X509_cmp_current_time(X509_get0_notAfter(expired.get())), 0);
}

}  // namespace
}  // namespace hcbridge::drivers::cps
