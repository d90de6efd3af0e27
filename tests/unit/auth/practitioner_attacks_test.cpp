// Issue 14, attacks 1 and 2, as regression tests: a patient card's key
// signing as a practitioner, and claims naming another practitioner than the
// certificate. Both verified with the TEST PKI at a pinned time.
#include <gtest/gtest.h>

#include "auth_test_support.hpp"
#include "hcbridge/auth/tokens.hpp"
#include "hcbridge/auth/verifier.hpp"
#include "hcbridge/error.hpp"

namespace hcbridge::testing {
namespace {

using nlohmann::json;

const auto kPinned = at(2026, 1, 1);
const std::int64_t kNow =
    std::chrono::duration_cast<std::chrono::seconds>(kPinned.time_since_epoch()).count();
const std::string kAudience = "https://records.example.org/api";
const std::string kApp = "https://hcbridge.local/releases/test";

// Claims as hcbridged makes them for the demo card (src/core/record_access.cpp).
json claimsNaming(const std::string& idType, const std::string& id,
                  const std::string& surname = "DURAND-TEST") {
  return {
      {"iss", "hcbridge"},
      {"sub", id},
      {"practitioner", {{"idType", idType}, {"id", id}, {"surname", surname}, {"cardType", "cps"}}},
      {"patient", {{"idType", "nir-card"}, {"id", "2700199999999"}, {"rank", 1}}},
      {"aud", kAudience},
      {"nonce", kNonce},
      {"purpose", "normal"},
      {"origin", kOrigin},
      {"iat", kNow},
      {"exp", kNow + 120},
      {"jti", "jti-attack"}};
}

auth::AssertionExpectations expectations() {
  return {kAudience, kNonce, kOrigin, kPinned};
}

TestKey vitaleKey() {
  return TestKey::fromPem(pkiFile("vitale-family-card.key.pem"));
}

// x5c = [certificate, chain...] signed by `key`, as an attacker crafts it.
std::string assertionWith(const std::vector<Bytes>& x5c, const json& claims, const TestKey& key) {
  const auto bytes = [](const std::string& text) {
    return ByteView(reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
  };
  json chain = json::array();
  for (const auto& der : x5c) chain.push_back(auth::base64(der));
  const json header = {{"alg", auth::jwsName(auth::algorithmForCertificate(x5c.front()))},
                       {"typ", "hcbridge-record-access+jwt"},
                       {"x5c", chain}};
  const std::string input =
      auth::base64Url(bytes(header.dump())) + "." + auth::base64Url(bytes(claims.dump()));
  return input + "." + auth::base64Url(key.signDigest(auth::sha256(input)));
}

std::string vitaleAssertion() {
  return assertionWith({fixtureCertificate("vitale-family-card"), fixtureCertificate("vitale-ca")},
                       claimsNaming("rpps", "10101201234"), vitaleKey());
}

// Anchors that also cover the patient cards' root (production: IGC-Santé's
// root also covers staff, server and organisation certificates).
auth::TrustSettings wideTrust() {
  auth::TrustSettings settings = standardTrust();
  settings.trustAnchors.push_back(pkiFile("patient-root.cert.pem"));
  return settings;
}

Errc assertionFailure(const std::string& jws, const auth::TrustSettings& trust = standardTrust()) {
  auth::MemoryNonceStore nonces;
  try {
    auth::verifyRecordAccessAssertion(jws, expectations(), auth::CertificateValidator(trust),
                                      nonces);
  } catch (const Error& error) {
    return error.code();
  }
  return Errc::Internal;  // accepted
}

Errc tokenFailure(const json& token, const auth::TrustSettings& trust) {
  auth::MemoryNonceStore nonces;
  try {
    auth::verifyWebEidToken(token, {kOrigin, kNonce, kPinned}, auth::CertificateValidator(trust),
                            nonces);
  } catch (const Error& error) {
    return error.code();
  }
  return Errc::Internal;
}

// Attack 1: the simulated Vitale signs any digest without PIN.
TEST(AuthAttackPatientCardKey, AssertionIsRefused) {
  // Separate roots: the patient card does not chain to the practitioner root.
  EXPECT_EQ(assertionFailure(vitaleAssertion()), Errc::CertificateUntrusted);
  // Anchors covering both: the issuer is not a practitioner issuer.
  EXPECT_EQ(assertionFailure(vitaleAssertion(), wideTrust()), Errc::CertificateUntrusted);
  // Even with the policy and EKU checks off, the issuer check alone refuses it.
  auth::TrustSettings issuerOnly = wideTrust();
  issuerOnly.policies.clear();
  issuerOnly.extendedKeyUsages.clear();
  EXPECT_EQ(assertionFailure(vitaleAssertion(), issuerOnly), Errc::CertificateUntrusted);
}

TEST(AuthAttackPatientCardKey, WebEidTokenIsRefused) {
  const json token = auth::makeWebEidToken(fixtureCertificate("vitale-family-card"), kOrigin,
                                           kNonce, kApp, vitaleKey().signer());
  EXPECT_EQ(tokenFailure(token, standardTrust()), Errc::CertificateUntrusted);
  auth::TrustSettings wide = wideTrust();
  wide.intermediates.push_back(pkiFile("vitale-ca.cert.pem"));
  EXPECT_EQ(tokenFailure(token, wide), Errc::CertificateUntrusted);
}

TEST(AuthAttackPatientCardKey, StaffCertificateUnderThePractitionerRootIsRefused) {
  const std::string jws = assertionWith(
      {fixtureCertificate("staff-auth"), fixtureCertificate("staff-ca")},
      claimsNaming("rpps", "10000000084"), TestKey::fromPem(pkiFile("staff-auth.key.pem")));
  EXPECT_EQ(assertionFailure(jws), Errc::CertificateUntrusted);
}

TEST(AuthAttackPatientCardKey, VerifiersRefuseToWorkWithoutIssuers) {
  auth::TrustSettings noIssuers = wideTrust();
  noIssuers.issuers.clear();
  // The attack assertion would otherwise pass: refused before it is read.
  EXPECT_EQ(assertionFailure(vitaleAssertion(), noIssuers), Errc::BadRequest);
  const json token = auth::makeWebEidToken(fixtureCertificate("cps-demo-auth"), kOrigin, kNonce,
                                           kApp, demoKey().signer());
  EXPECT_EQ(tokenFailure(token, noIssuers), Errc::BadRequest);
  auth::MemoryNonceStore nonces;
  try {
    auth::verifyWebEidToken(token, {kOrigin, kNonce, kPinned},
                            auth::CertificateValidator(noIssuers), nonces);
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.hint()).find("--issuer"), std::string::npos) << error.hint();
    EXPECT_NE(std::string(error.hint()).find("practitioner_trust.issuers"), std::string::npos);
  }
}

// Attack 2: the demo card's key, another practitioner in the claims.
TEST(AuthAttackClaimsMismatch, AnotherPractitionerIsRefused) {
  const auto demo = [](const json& claims) {
    return assertionWith({fixtureCertificate("cps-demo-auth")}, claims, demoKey());
  };
  EXPECT_EQ(assertionFailure(demo(claimsNaming("rpps", "99999999999", "MALLORY-TEST"))),
            Errc::ClaimsMismatch);
  // sub alone, practitioner alone, or the idType alone differing.
  json claims = claimsNaming("rpps", "10101201234");
  claims["sub"] = "99999999999";
  EXPECT_EQ(assertionFailure(demo(claims)), Errc::ClaimsMismatch);
  claims = claimsNaming("rpps", "10101201234");
  claims["practitioner"]["id"] = "99999999999";
  EXPECT_EQ(assertionFailure(demo(claims)), Errc::ClaimsMismatch);
  claims = claimsNaming("idnat", "10101201234");
  EXPECT_EQ(assertionFailure(demo(claims)), Errc::ClaimsMismatch);
  // The idNat_PS instead of the RPPS number is another identifier.
  claims = claimsNaming("rpps", "810101201234");
  EXPECT_EQ(assertionFailure(demo(claims)), Errc::ClaimsMismatch);
  // Malformed practitioner claims are malformed, not ignored.
  claims = claimsNaming("rpps", "10101201234");
  claims["practitioner"] = "MALLORY-TEST";
  EXPECT_EQ(assertionFailure(demo(claims)), Errc::TokenInvalid);
  claims["practitioner"] = {{"idType", "rpps"}};
  EXPECT_EQ(assertionFailure(demo(claims)), Errc::TokenInvalid);
}

TEST(AuthAttackClaimsMismatch, TheReportedIdentityIsTheCertificates) {
  json claims = claimsNaming("rpps", "10101201234", "MALLORY-TEST");  // a name is not compared
  claims["practitioner"]["givenNames"] = "Mallory";
  auth::MemoryNonceStore nonces;
  const auto verified = auth::verifyRecordAccessAssertion(
      assertionWith({fixtureCertificate("cps-demo-auth")}, claims, demoKey()), expectations(),
      standardValidator(), nonces);
  EXPECT_EQ(verified.practitioner.idType, "rpps");
  EXPECT_EQ(verified.practitioner.id, "10101201234");
  EXPECT_EQ(verified.practitioner.name, "Hélène DURAND-TEST");
  // Claims naming nobody: the certificate still says who signed.
  claims.erase("sub");
  claims.erase("practitioner");
  claims["jti"] = "jti-anonymous";
  claims["nonce"] = "QW5vdGhlciBub25jZSwgYWxzbyBsb25nIGVub3VnaCBoZXJlIQ";
  auto expect = expectations();
  expect.nonce = claims["nonce"].get<std::string>();
  const auto anonymous = auth::verifyRecordAccessAssertion(
      assertionWith({fixtureCertificate("cps-demo-auth")}, claims, demoKey()), expect,
      standardValidator(), nonces);
  EXPECT_EQ(anonymous.practitioner.id, "10101201234");
}

TEST(AuthAttackClaimsMismatch, WebEidTokenReportsTheCertificatesIdentity) {
  const json token = auth::makeWebEidToken(fixtureCertificate("cps-demo-auth"), kOrigin, kNonce,
                                           kApp, demoKey().signer());
  auth::MemoryNonceStore nonces;
  const auto verified =
      auth::verifyWebEidToken(token, {kOrigin, kNonce, kPinned}, standardValidator(), nonces);
  EXPECT_EQ(verified.practitioner.idType, "rpps");
  EXPECT_EQ(verified.practitioner.id, "10101201234");
}

}  // namespace
}  // namespace hcbridge::testing
