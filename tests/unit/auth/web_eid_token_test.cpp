// Web eID tokens: made with a test "card", verified like a record server does.
#include <gtest/gtest.h>

#include "auth_test_support.hpp"
#include "hcbridge/auth/tokens.hpp"
#include "hcbridge/auth/verifier.hpp"
#include "hcbridge/error.hpp"
#include "support/temp_dir.hpp"

namespace hcbridge::testing {
namespace {

using auth::JwsAlgorithm;
using nlohmann::json;

const auto kPinned = at(2026, 1, 1);
const std::string kApp = "https://hcbridge.example/app/0.1.0";

auth::TokenExpectations expectations(const std::string& origin = kOrigin,
                                     const std::string& nonce = kNonce) {
  return {origin, nonce, kPinned};
}

json demoToken(const std::string& origin = kOrigin, const std::string& nonce = kNonce) {
  return auth::makeWebEidToken(fixtureCertificate("cps-demo-auth"), origin, nonce, kApp,
                               demoKey().signer());
}

Error verifyFailure(const json& token, const auth::TokenExpectations& expect,
                    const auth::CertificateValidator& validator) {
  auth::MemoryNonceStore nonces;
  try {
    auth::verifyWebEidToken(token, expect, validator, nonces);
  } catch (const Error& error) {
    return error;
  }
  return Error(Errc::Internal, "verified");
}

Error verifyFailure(const json& token) {
  return verifyFailure(token, expectations(), standardValidator());
}

TEST(AuthWebEid, TokenHasTheWebEidLayout) {
  const json token = demoToken();
  EXPECT_EQ(token.size(), 5u);
  EXPECT_EQ(token["format"], "web-eid:1.0");
  EXPECT_EQ(token["algorithm"], "RS256");
  EXPECT_EQ(token["appVersion"], kApp);
  EXPECT_EQ(auth::fromBase64(token["unverifiedCertificate"].get<std::string>()),
            fixtureCertificate("cps-demo-auth"));
  // Standard base64 of a 256-byte RSA signature.
  const auto signature = auth::fromBase64(token["signature"].get<std::string>());
  ASSERT_TRUE(signature);
  EXPECT_EQ(signature->size(), 256u);
  // What Web eID validators check: the signature over hash(origin)||hash(nonce).
  const Bytes signedData = auth::webEidSignedData(kOrigin, kNonce);
  EXPECT_TRUE(opensslVerifyMessage(fixtureCertificate("cps-demo-auth"),
                                   std::string(signedData.begin(), signedData.end()), *signature));
}

TEST(AuthWebEid, RsaRoundTrip) {
  auth::MemoryNonceStore nonces;
  const auto verified =
      auth::verifyWebEidToken(demoToken(), expectations(), standardValidator(), nonces);
  EXPECT_EQ(verified.algorithm, JwsAlgorithm::RS256);
  EXPECT_EQ(verified.certificateDer, fixtureCertificate("cps-demo-auth"));
  EXPECT_TRUE(verified.certificate.revocationChecked);
  EXPECT_NE(verified.certificate.subject.find("DURAND-TEST"), std::string::npos);
}

class AuthWebEidEc : public ::testing::TestWithParam<const char*> {};

TEST_P(AuthWebEidEc, EcRoundTripAsEs256) {
  TempDir dir;
  const auto key = TestKey::generateEc(GetParam());
  const Bytes certificate = key.selfSignedCertificate("TEST EC practitioner");
  writePem(dir / "card.pem", {certificate});
  // The documented override for unpublished test CAs: the card's own
  // certificate as anchor, and as its own practitioner issuer.
  const auth::CertificateValidator validator(
      {.trustAnchors = {dir / "card.pem"}, .issuers = {dir / "card.pem"}});
  const json token = auth::makeWebEidToken(certificate, kOrigin, kNonce, kApp, key.signer());
  EXPECT_EQ(token["algorithm"], "ES256");
  const auto signature = auth::fromBase64(token["signature"].get<std::string>());
  ASSERT_TRUE(signature);
  EXPECT_EQ(signature->size(), 64u);  // r||s, not DER
  auth::MemoryNonceStore nonces;
  EXPECT_EQ(auth::verifyWebEidToken(token, expectations(), validator, nonces).algorithm,
            JwsAlgorithm::ES256);
}

INSTANTIATE_TEST_SUITE_P(Curves, AuthWebEidEc, ::testing::Values("P-256", "brainpoolP256r1"));

// The EC fixture chain (Vitale card CA, P-256) verifies up to the Web eID
// rules, which then refuse it as no practitioner's: attack (a) of issue 14 is
// in practitioner_attacks_test.cpp.
TEST(AuthWebEid, VitaleFixtureChainIsNoPractitioner) {
  const auth::CertificateValidator validator({.trustAnchors = {pkiFile("patient-root.cert.pem")},
                                              .intermediates = {pkiFile("vitale-ca.cert.pem")},
                                              .issuers = {pkiFile("vitale-ca.cert.pem")}});
  const json token =
      auth::makeWebEidToken(fixtureCertificate("vitale-family-card"), kOrigin, kNonce, kApp,
                            TestKey::fromPem(pkiFile("vitale-family-card.key.pem")).signer());
  EXPECT_EQ(token["algorithm"], "ES256");
  EXPECT_EQ(verifyFailure(token, expectations(), validator).code(), Errc::CertificatePolicy);
}

TEST(AuthWebEid, TokenForOriginAIsRefusedForOriginB) {
  const auto error = verifyFailure(demoToken("https://a.example"),
                                   expectations("https://b.example"), standardValidator());
  EXPECT_EQ(error.code(), Errc::TokenInvalid);
  EXPECT_NE(std::string(error.what()).find("another origin or nonce"), std::string::npos)
      << error.what();
}

TEST(AuthWebEid, TokenForAnotherNonceIsRefused) {
  const std::string otherNonce = auth::base64(auth::randomBytes(32));
  EXPECT_EQ(verifyFailure(demoToken(kOrigin, otherNonce)).code(), Errc::TokenInvalid);
}

TEST(AuthWebEid, NonceReplayIsRefused) {
  auth::MemoryNonceStore nonces;
  const auto validator = standardValidator();
  auth::verifyWebEidToken(demoToken(), expectations(), validator, nonces);
  try {
    auth::verifyWebEidToken(demoToken(), expectations(), validator, nonces);
    FAIL() << "replay accepted";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), Errc::NonceReplayed);
  }
}

TEST(AuthWebEid, FailedVerificationDoesNotUseTheNonce) {
  auth::MemoryNonceStore nonces;
  const auto validator = standardValidator();
  EXPECT_THROW(auth::verifyWebEidToken(demoToken("https://other.example"), expectations(),
                                       validator, nonces),
               Error);
  EXPECT_NO_THROW(auth::verifyWebEidToken(demoToken(), expectations(), validator, nonces));
}

TEST(AuthWebEid, TamperedSignatureIsRefused) {
  json token = demoToken();
  auto signature = *auth::fromBase64(token["signature"].get<std::string>());
  signature[100] ^= 0x04;
  token["signature"] = auth::base64(signature);
  EXPECT_EQ(verifyFailure(token).code(), Errc::TokenInvalid);
}

TEST(AuthWebEid, SwappedCertificateIsRefused) {
  // The demo signature with the signing certificate of the same card.
  json token = demoToken();
  token["unverifiedCertificate"] = auth::base64(fixtureCertificate("cps-demo-sign"));
  EXPECT_EQ(verifyFailure(token).code(), Errc::CertificateKeyUsage);
  // A valid certificate of someone else (revocation not checked without CRL).
  token["unverifiedCertificate"] = auth::base64(fixtureCertificate("cps-revoked-auth"));
  EXPECT_EQ(verifyFailure(token, expectations(), standardValidator(false)).code(),
            Errc::TokenInvalid);
}

TEST(AuthWebEid, CertificateRulesApply) {
  const auto expect = expectations();
  struct Case {
    const char* stem;
    Errc code;
  };
  for (const auto& [stem, code] : {Case{"cps-expired-auth", Errc::CertificateExpired},
                                   Case{"cps-revoked-auth", Errc::CertificateRevoked},
                                   Case{"cps-wrong-ca-auth", Errc::CertificateUntrusted},
                                   Case{"cps-wrong-usage-auth", Errc::CertificateKeyUsage}}) {
    const json token =
        auth::makeWebEidToken(fixtureCertificate(stem), kOrigin, kNonce, kApp,
                              TestKey::fromPem(pkiFile(std::string(stem) + ".key.pem")).signer());
    EXPECT_EQ(verifyFailure(token, expect, standardValidator()).code(), code) << stem;
  }
}

TEST(AuthWebEid, ShapeErrorsNameTheField) {
  const json good = demoToken();
  const auto expectField = [&](json token, const std::string& field) {
    const auto error = verifyFailure(token);
    EXPECT_EQ(error.code(), Errc::TokenInvalid) << token.dump();
    EXPECT_NE(std::string(error.what()).find(field), std::string::npos) << error.what();
  };
  for (const char* field :
       {"unverifiedCertificate", "algorithm", "signature", "format", "appVersion"}) {
    json missing = good;
    missing.erase(field);
    expectField(missing, field);
    json wrongType = good;
    wrongType[field] = 42;
    expectField(wrongType, field);
  }
  json badBase64 = good;
  badBase64["signature"] = auth::base64Url(Bytes(256, 0xFF));  // url alphabet, unpadded
  expectField(badBase64, "signature");
  EXPECT_EQ(verifyFailure(json::array()).code(), Errc::TokenInvalid);
  EXPECT_EQ(verifyFailure(json("text")).code(), Errc::TokenInvalid);
}

TEST(AuthWebEid, FormatAndAlgorithmRules) {
  const json good = demoToken();
  json later = good;
  later["format"] = "web-eid:1.1";
  EXPECT_EQ(verifyFailure(later).code(), Errc::Internal);  // accepted: same major version
  for (const char* format : {"web-eid:2", "web-eid:10", "web-eid", "web-eid:1x", ""}) {
    json token = good;
    token["format"] = format;
    EXPECT_EQ(verifyFailure(token).code(), Errc::TokenInvalid) << format;
  }
  for (const char* algorithm : {"ES256", "none", "HS256", "RS384"}) {
    json token = good;
    token["algorithm"] = algorithm;
    EXPECT_EQ(verifyFailure(token).code(), Errc::TokenInvalid) << algorithm;
  }
  json pss = good;  // PS256 is accepted when the signature is PSS
  pss["algorithm"] = "PS256";
  EXPECT_EQ(verifyFailure(pss).code(), Errc::TokenInvalid);
  const Bytes digest = auth::sha256(auth::webEidSignedData(kOrigin, kNonce));
  pss["signature"] = auth::base64(demoKey().signDigestPss(digest));
  EXPECT_EQ(verifyFailure(pss).code(), Errc::Internal);
}

TEST(AuthWebEid, ExpectationsAreChecked) {
  EXPECT_EQ(
      verifyFailure(demoToken(), expectations("http://example.com"), standardValidator()).code(),
      Errc::OriginInvalid);
  EXPECT_EQ(verifyFailure(demoToken(), expectations(kOrigin, "short"), standardValidator()).code(),
            Errc::NonceInvalid);
}

TEST(AuthWebEid, MakerChecksItsInputs) {
  const Bytes certificate = fixtureCertificate("cps-demo-auth");
  const auto signer = demoKey().signer();
  EXPECT_THROW(auth::makeWebEidToken(certificate, "https://x.example/", kNonce, kApp, signer),
               Error);
  try {
    auth::makeWebEidToken(certificate, kOrigin, std::string(43, 'a'), kApp, signer);
    FAIL();
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), Errc::NonceInvalid);
  }
  // A card whose key does not match its certificate (the cloned card).
  try {
    auth::makeWebEidToken(certificate, kOrigin, kNonce, kApp,
                          TestKey::fromPem(pkiFile("cps-cloned.key.pem")).signer());
    FAIL();
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), Errc::CardSignatureInvalid);
  }
}

}  // namespace
}  // namespace hcbridge::testing
