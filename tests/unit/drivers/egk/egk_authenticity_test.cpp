// The eGK's proof of authenticity (role authentication with
// PrK.eGK.AUT_CVC.E256, no PIN) against gematik's images: the signature
// checked with OpenSSL against the key of the card's CV certificate.
#include <gtest/gtest.h>
#include <openssl/sha.h>

#include <iostream>
#include <string>
#include <vector>

#include "egk_driver.hpp"
#include "german_test_support.hpp"
#include "hba_driver.hpp"
#include "hcbridge_test/gematik_images.hpp"
#include "hcbridge_test/recording_connection.hpp"
#include "hcbridge_test/verify_proof.hpp"

namespace hcbridge::testing {
namespace {

Bytes sha256(std::string_view text) {
  Bytes digest(SHA256_DIGEST_LENGTH);
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest.data());
  return digest;
}

class EgkAuthenticity : public GematikImagesTest<::testing::TestWithParam<const char*>> {};

TEST_P(EgkAuthenticity, SignatureVerifiesAgainstTheCvcKey) {
  SimCard sim(GetParam());
  const auto driver = drivers::makeEgkDriver();
  for (const char* challenge : {"TEST challenge 1", "TEST challenge 2"}) {
    const Bytes digest = sha256(challenge);
    const CardAuthenticityProof proof = driver->proveAuthenticity(*sim.connection, digest);
    EXPECT_EQ(proof.certificateKind, "cvc");
    EXPECT_TRUE(proof.x509Certificates.empty());
    EXPECT_EQ(proof.keyLabel, "PrK.eGK.AUT_CVC.E256");
    EXPECT_EQ(proof.scheme, SignatureScheme::EcdsaSha256);
    ASSERT_EQ(proof.signature.size(), 64u);
    EXPECT_TRUE(signatureVerifies(proof.publicKeyInfo, digest, proof.signature));
    EXPECT_FALSE(signatureVerifies(proof.publicKeyInfo, sha256("other"), proof.signature));
  }
  // No PIN was needed, and none is verified now.
  EXPECT_FALSE(driver->pinStatus(*sim.connection).verified);
}

INSTANTIATE_TEST_SUITE_P(Images, EgkAuthenticity,
                         ::testing::Values(kEgkGuD, kEgk17222, kEgk17333, kEgk218486));

class EgkAuthenticityCases : public GematikImagesTest<> {};

TEST_F(EgkAuthenticityCases, ApduList) {
  SimCard sim(kEgkGuD);
  RecordingConnection recording(*sim.connection);
  const Bytes digest = sha256("TEST APDU list");
  const std::size_t before = sim.card->commandCount();
  drivers::makeEgkDriver()->proveAuthenticity(recording, digest);
  const std::size_t rawCount = sim.card->commandCount() - before;
  ASSERT_EQ(recording.commands.size(), 4u);
  EXPECT_EQ(recording.commands[0], "00 A4 04 0C 07 D2 76 00 01 44 80 00");  // SELECT MF
  // EF.C.eGK.AUT_CVC.E256 by SFI, one extended READ BINARY (the simulated
  // reader allows extended APDUs; with short ones it is 00 B0 86 00 00).
  EXPECT_EQ(recording.commands[1], "00 B0 86 00 00 00 00");
  EXPECT_EQ(recording.commands[2], "00 22 41 A4 06 84 01 09 80 01 00");  // key 09, algId 00
  EXPECT_EQ(recording.commands[3], "00 88 00 00 20 " + toHex(digest, " ") + " 00");
  EXPECT_EQ(rawCount, 4u);
  for (const auto& command : recording.commands) std::cout << "  " << command << "\n";
  std::cout << "  " << rawCount << " APDUs\n";
}

// EGK_G2_1_ecc.xml holds X.509 bodies in its CVC files (docs/cards-german.md "The simulator:
// gematik card images").
TEST_F(EgkAuthenticityCases, BrokenCvcFileOfTheEccImage) {
  SimCard sim(kEgkEcc);
  expectError([&] { drivers::makeEgkDriver()->proveAuthenticity(*sim.connection, sha256("TEST")); },
              Errc::CardDataInvalid,
              "EF.C.eGK.AUT_CVC.E256: not a CV certificate (tag 30, not 7F21)");
}

TEST_F(EgkAuthenticityCases, CardWithoutTheKey) {
  sim::Profile profile = gematikImage(kEgkGuD);
  std::erase_if(profile.keys, [](const sim::KeySpec& key) { return key.ref == 0x09; });
  SimCard sim(std::move(profile));
  expectError([&] { drivers::makeEgkDriver()->proveAuthenticity(*sim.connection, sha256("TEST")); },
              Errc::OperationUnsupported, "no PrK.eGK.AUT_CVC.E256");
}

TEST_F(EgkAuthenticityCases, KeyThatNeedsAPin) {
  sim::Profile profile = gematikImage(kEgkGuD);
  for (auto& key : profile.keys) {
    if (key.ref == 0x09) key.authenticate = sim::AccessRule::pin(0x01);
  }
  SimCard sim(std::move(profile));
  expectError([&] { drivers::makeEgkDriver()->proveAuthenticity(*sim.connection, sha256("TEST")); },
              Errc::OperationUnsupported, "refused INTERNAL AUTHENTICATE");
}

TEST_F(EgkAuthenticityCases, TruncatedCvc) {
  sim::Profile profile = gematikImage(kEgkGuD);
  fileIn(profile, {}, 0x2F06).data.resize(100);
  SimCard sim(std::move(profile));
  expectError([&] { drivers::makeEgkDriver()->proveAuthenticity(*sim.connection, sha256("TEST")); },
              Errc::CardDataInvalid, "EF.C.eGK.AUT_CVC.E256");
}

TEST_F(EgkAuthenticityCases, DigestMustBe32Bytes) {
  SimCard sim(kEgkGuD);
  expectError([&] { drivers::makeEgkDriver()->proveAuthenticity(*sim.connection, Bytes(48, 1)); },
              Errc::BadRequest, "32");
  EXPECT_EQ(sim.card->commandCount(), 0u);
}

// Practitioner cards keep the default: their PIN session authenticates them.
TEST_F(EgkAuthenticityCases, HbaHasNoPatientCardAuthentication) {
  SimCard sim(kHbaG21);
  expectError([&] { drivers::makeHbaDriver()->proveAuthenticity(*sim.connection, sha256("TEST")); },
              Errc::OperationUnsupported, "has no card-authentication function hcbridge can use");
  EXPECT_EQ(sim.card->commandCount(), 0u);
}

}  // namespace
}  // namespace hcbridge::testing
