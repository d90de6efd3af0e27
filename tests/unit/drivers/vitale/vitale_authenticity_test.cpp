// The INVENTED card authentication of the Vitale simulator profiles: the
// proof's signature checked with OpenSSL against the key the driver reports,
// the certificate against the TEST PKI, and the APDUs it costs.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "hcbridge/base/openssl_handle.hpp"
#include "hcbridge/error.hpp"
#include "hcbridge/sim/card.hpp"
#include "hcbridge/sim/profile.hpp"
#include "hcbridge/sim/sim_transport.hpp"
#include "hcbridge_test/expect_error.hpp"
#include "hcbridge_test/recording_connection.hpp"
#include "hcbridge_test/verify_proof.hpp"
#include "vitale_driver.hpp"
#include "vitale_sim_profiles.hpp"

namespace hcbridge::drivers::vitale {
namespace {

using hcbridge::testing::RecordingConnection;

using hcbridge::testing::expectError;
using hcbridge::testing::signatureVerifies;

Bytes pkiFile(const std::string& name) {
  std::ifstream in(std::string(HCBRIDGE_TEST_PKI_DIR) + "/" + name, std::ios::binary);
  EXPECT_TRUE(in) << name;
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

base::X509Handle certificateOf(const Bytes& der) {
  const unsigned char* cursor = der.data();
  return base::X509Handle(d2i_X509(nullptr, &cursor, static_cast<long>(der.size())));
}

// Whether `issuerFile`'s key signed the certificate.
bool issuedBy(const Bytes& certificate, const std::string& issuerFile) {
  const base::X509Handle cert = certificateOf(certificate);
  const base::X509Handle issuer = certificateOf(pkiFile(issuerFile));
  return cert && issuer && X509_verify(cert.get(), X509_get0_pubkey(issuer.get())) == 1;
}

Bytes sha256(std::string_view text) {
  Bytes digest(SHA256_DIGEST_LENGTH);
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest.data());
  return digest;
}

class VitaleAuthenticity : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { registerVitaleSimProfiles(); }

  void insert(const std::string& name) {
    card_ = std::make_shared<sim::Card>(sim::loadProfile(name));
    transport_.insertCard(0, card_);
    connection_ = transport_.connect("hcbridge simulated reader 0");
  }

  CardAuthenticityProof prove(const Bytes& digest) {
    return driver_->proveAuthenticity(*connection_, digest);
  }

  sim::SimTransport transport_;
  std::shared_ptr<sim::Card> card_;
  std::unique_ptr<CardConnection> connection_;
  std::unique_ptr<CardDriver> driver_ = makeVitaleDriver();
};

TEST_F(VitaleAuthenticity, FamilyCardSignsTheChallengeWithItsCertifiedKey) {
  insert("vitale-family");
  for (const char* challenge : {"TEST challenge 1", "TEST challenge 2"}) {
    const Bytes digest = sha256(challenge);
    const CardAuthenticityProof proof = prove(digest);
    EXPECT_EQ(proof.certificateKind, "x509");
    EXPECT_EQ(proof.keyLabel, "invented Vitale card key");
    EXPECT_EQ(proof.scheme, SignatureScheme::EcdsaSha256);
    ASSERT_EQ(proof.x509Certificates.size(), 1u);
    EXPECT_EQ(proof.x509Certificates[0], pkiFile("vitale-family-card.cert.der"));
    ASSERT_EQ(proof.signature.size(), 64u);  // P-256 r || s
    EXPECT_TRUE(signatureVerifies(proof.publicKeyInfo, digest, proof.signature));
    EXPECT_FALSE(signatureVerifies(proof.publicKeyInfo, sha256("another"), proof.signature));
  }
}

TEST_F(VitaleAuthenticity, PublicKeyInfoIsTheCertificates) {
  insert("vitale-family");
  const CardAuthenticityProof proof = prove(sha256("TEST"));
  const base::X509Handle certificate = certificateOf(proof.x509Certificates.at(0));
  ASSERT_TRUE(certificate);
  unsigned char* info = nullptr;
  const int length = i2d_PUBKEY(X509_get0_pubkey(certificate.get()), &info);
  ASSERT_GT(length, 0);
  EXPECT_EQ(proof.publicKeyInfo, Bytes(info, info + length));
  OPENSSL_free(info);
  // Issued by the TEST Vitale card CA, and without patient data.
  EXPECT_TRUE(issuedBy(proof.x509Certificates[0], "vitale-ca.cert.der"));
  char subject[256] = {};
  X509_NAME_oneline(X509_get_subject_name(certificate.get()), subject, sizeof subject);
  EXPECT_STREQ(subject, "/C=FR/O=TEST HCBRIDGE VITALE/CN=TEST Vitale card 0000000001");
}

TEST_F(VitaleAuthenticity, ApduList) {
  insert("vitale-family");
  RecordingConnection recording(*connection_);
  const std::size_t before = card_->commandCount();
  const Bytes digest = sha256("TEST APDU list");
  driver_->proveAuthenticity(recording, digest);
  const std::size_t rawCount = card_->commandCount() - before;
  // SELECT VITALE, SELECT EF 2F10, READ BINARY x3 (524-byte certificate in
  // chunks of 256), MSE SET AT, INTERNAL AUTHENTICATE. T=0: each answer with
  // data costs a GET RESPONSE more on the wire.
  ASSERT_EQ(recording.commands.size(), 7u);
  EXPECT_EQ(recording.commands[0], "00 A4 04 0C 0B D2 50 00 00 02 56 49 54 41 4C 45");
  EXPECT_EQ(recording.commands[1], "00 A4 02 0C 02 2F 10");
  EXPECT_EQ(recording.commands[2], "00 B0 00 00 00");
  EXPECT_EQ(recording.commands[3], "00 B0 01 00 00");
  EXPECT_EQ(recording.commands[4], "00 B0 02 00 0C");
  EXPECT_EQ(recording.commands[5], "00 22 41 A4 03 84 01 10");
  EXPECT_EQ(recording.commands[6], "00 88 00 00 20 " + toHex(digest, " ") + " 00");
  EXPECT_EQ(rawCount, 11u);
  for (const auto& command : recording.commands) std::cout << "  " << command << "\n";
  std::cout << "  " << recording.commands.size() << " commands, " << rawCount
            << " APDUs on the wire (T=0 GET RESPONSE included)\n";
}

TEST_F(VitaleAuthenticity, ClonedCardsSignatureDoesNotVerify) {
  insert("vitale-cloned");
  const Bytes digest = sha256("TEST clone");
  const CardAuthenticityProof proof = prove(digest);
  // The genuine certificate, copied; the key is not its key.
  EXPECT_EQ(proof.x509Certificates.at(0), pkiFile("vitale-family-card.cert.der"));
  EXPECT_TRUE(issuedBy(proof.x509Certificates[0], "vitale-ca.cert.der"));
  EXPECT_EQ(proof.signature.size(), 64u);
  EXPECT_FALSE(signatureVerifies(proof.publicKeyInfo, digest, proof.signature));
}

TEST_F(VitaleAuthenticity, ForgedCardsCertificateIsFromTheOtherRoot) {
  insert("vitale-forged");
  const Bytes digest = sha256("TEST forgery");
  const CardAuthenticityProof proof = prove(digest);
  EXPECT_EQ(proof.x509Certificates.at(0), pkiFile("vitale-forged-card.cert.der"));
  EXPECT_TRUE(issuedBy(proof.x509Certificates[0], "other-root.cert.der"));
  EXPECT_FALSE(issuedBy(proof.x509Certificates[0], "vitale-ca.cert.der"));
  // The signature itself matches the forged certificate: only the chain fails.
  EXPECT_TRUE(signatureVerifies(proof.publicKeyInfo, digest, proof.signature));
}

TEST_F(VitaleAuthenticity, PatchedProfilesKeepTheFamilysData) {
  insert("vitale-family");
  const auto family = std::get<PatientCard>(driver_->read(*connection_));
  for (const char* name : {"vitale-forged", "vitale-cloned"}) {
    insert(name);
    const auto card = std::get<PatientCard>(driver_->read(*connection_));
    ASSERT_EQ(card.beneficiaries.size(), family.beneficiaries.size()) << name;
    for (std::size_t i = 0; i < card.beneficiaries.size(); ++i) {
      EXPECT_EQ(card.beneficiaries[i].surname, family.beneficiaries[i].surname);
      EXPECT_EQ(card.beneficiaries[i].givenNames, family.beneficiaries[i].givenNames);
    }
    EXPECT_EQ(card.cardSerial, family.cardSerial);
    const sim::Profile profile = sim::loadProfile(name);
    EXPECT_NE(profile.description.find("TEST"), std::string::npos);
    EXPECT_NE(profile.description.find("INVENTED"), std::string::npos);
    EXPECT_NE(profile.description.find("not public"), std::string::npos);
  }
  EXPECT_NE(sim::loadProfile("vitale-family").description.find("INVENTED card-authentication"),
            std::string::npos);
}

TEST_F(VitaleAuthenticity, KeyNeedsNoPinAndSignsOnlyByInternalAuthenticate) {
  const sim::Profile profile = sim::loadProfile("vitale-family");
  ASSERT_EQ(profile.keys.size(), 1u);
  EXPECT_EQ(profile.keys[0].ref, kCardKeyRef);
  EXPECT_EQ(profile.keys[0].use.kind, sim::AccessRule::Kind::Never);
  ASSERT_TRUE(profile.keys[0].authenticate.has_value());
  EXPECT_EQ(profile.keys[0].authenticate->kind, sim::AccessRule::Kind::Always);
  EXPECT_TRUE(profile.pins.empty());
}

TEST_F(VitaleAuthenticity, CardWithoutTheInventedFunction) {
  insert("vitale-corse");
  expectError([&] { prove(sha256("TEST")); }, Errc::OperationUnsupported,
              "the real Vitale card authentication is not public (SESAM-Vitale licence)");
}

TEST_F(VitaleAuthenticity, DigestMustBe32Bytes) {
  insert("vitale-family");
  expectError([&] { prove(Bytes(20, 1)); }, Errc::BadRequest, "32");
  EXPECT_EQ(card_->commandCount(), 0u);
}

TEST_F(VitaleAuthenticity, MalformedCertificateFile) {
  sim::Profile profile = sim::loadProfile("vitale-family");
  for (auto& child : profile.mf.children) {
    for (auto& file : child.children) {
      if (file.fid == kCardCertificateFid) file.data = fromHex("04 03 01 02 03");
    }
  }
  card_ = std::make_shared<sim::Card>(std::move(profile));
  transport_.insertCard(0, card_);
  connection_ = transport_.connect("hcbridge simulated reader 0");
  expectError([&] { prove(sha256("TEST")); }, Errc::CardDataInvalid,
              "EF 2F10 (invented card certificate): not an X.509 certificate");
}

}  // namespace
}  // namespace hcbridge::drivers::vitale
