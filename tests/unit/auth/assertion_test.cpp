// Record-access assertions (compact JWS): round trips and every refusal rule.
#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/ecdsa.h>

#include "auth_test_support.hpp"
#include "hcbridge/auth/tokens.hpp"
#include "hcbridge/auth/verifier.hpp"
#include "hcbridge/error.hpp"
#include "support/temp_dir.hpp"

namespace hcbridge::testing {
namespace {

using nlohmann::json;

const auto kPinned = at(2026, 1, 1);
const std::int64_t kNow =
    std::chrono::duration_cast<std::chrono::seconds>(kPinned.time_since_epoch()).count();
const std::string kAudience = "https://records.example.org/api";

json claimsAt(std::int64_t iat, std::int64_t lifetime = 120) {
  return {
      {"aud", kAudience},
      {"nonce", kNonce},
      {"iat", iat},
      {"exp", iat + lifetime},
      {"jti", "jti-" + std::to_string(iat)},
      {"purpose", "normal"},
      {"origin", kOrigin},
      {"sub", "10101201234"},
      {"practitioner", {{"idType", "rpps"}, {"id", "10101201234"}, {"surname", "DURAND-TEST"}}}};
}

auth::AssertionExpectations expectations() {
  return {kAudience, kNonce, kOrigin, kPinned};
}

std::string demoAssertion(const json& claims = claimsAt(kNow)) {
  return auth::makeCompactJws(fixtureCertificate("cps-demo-auth"), claims, demoKey().signer());
}

ByteView textBytes(const std::string& text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

// A JWS with any header, signed with `key`.
std::string craft(const json& header, const json& claims, const TestKey& key) {
  const std::string input =
      auth::base64Url(textBytes(header.dump())) + "." + auth::base64Url(textBytes(claims.dump()));
  return input + "." + auth::base64Url(key.signDigest(auth::sha256(input)));
}

json demoHeader() {
  return {{"alg", "RS256"},
          {"typ", "hcbridge-record-access+jwt"},
          {"x5c", {auth::base64(fixtureCertificate("cps-demo-auth"))}}};
}

Error failureOf(const std::string& jws, const auth::AssertionExpectations& expect = expectations(),
                const auth::CertificateValidator& validator = standardValidator()) {
  auth::MemoryNonceStore nonces;
  try {
    auth::verifyRecordAccessAssertion(jws, expect, validator, nonces);
  } catch (const Error& error) {
    return error;
  }
  return Error(Errc::Internal, "verified");
}

constexpr Errc kAccepted = Errc::Internal;

TEST(AuthAssertion, RoundTrip) {
  const std::string jws = demoAssertion();
  auth::MemoryNonceStore nonces;
  const auto verified =
      auth::verifyRecordAccessAssertion(jws, expectations(), standardValidator(), nonces);
  EXPECT_EQ(verified.header["typ"], "hcbridge-record-access+jwt");
  EXPECT_EQ(verified.header["alg"], "RS256");
  EXPECT_EQ(verified.claims, claimsAt(kNow));
  EXPECT_EQ(verified.certificateDer, fixtureCertificate("cps-demo-auth"));
  EXPECT_NE(verified.certificate.subject.find("DURAND-TEST"), std::string::npos);
  // x5c is standard base64 (RFC 7515 §4.1.6), the rest base64url.
  EXPECT_EQ(verified.header["x5c"][0], auth::base64(fixtureCertificate("cps-demo-auth")));
  EXPECT_EQ(jws.find_first_of("+/="), std::string::npos);
}

TEST(AuthAssertion, Es256SignatureVerifiesWithPlainOpenssl) {
  TempDir dir;
  const auto key = TestKey::generateEc("P-256");
  const Bytes certificate = key.selfSignedCertificate("TEST EC practitioner", true, "810101201234");
  const std::string jws = auth::makeCompactJws(certificate, claimsAt(kNow), key.signer());
  const auto lastDot = jws.rfind('.');
  const auto raw = auth::fromBase64Url(jws.substr(lastDot + 1));
  ASSERT_TRUE(raw);
  ASSERT_EQ(raw->size(), 64u);
  // r||s -> DER by hand, then OpenSSL's own EVP_DigestVerify.
  ECDSA_SIG* signature = ECDSA_SIG_new();
  ECDSA_SIG_set0(signature, BN_bin2bn(raw->data(), 32, nullptr),
                 BN_bin2bn(raw->data() + 32, 32, nullptr));
  unsigned char* der = nullptr;
  const int length = i2d_ECDSA_SIG(signature, &der);
  ECDSA_SIG_free(signature);
  ASSERT_GT(length, 0);
  const Bytes derSignature(der, der + length);
  OPENSSL_free(der);
  EXPECT_TRUE(opensslVerifyMessage(certificate, jws.substr(0, lastDot), derSignature));
  EXPECT_FALSE(opensslVerifyMessage(certificate, jws.substr(0, lastDot - 1), derSignature));
  // And hcbridge's verifier accepts it with the certificate as anchor.
  writePem(dir / "ec.pem", {certificate});
  EXPECT_EQ(failureOf(jws, expectations(),
                      auth::CertificateValidator(
                          {.trustAnchors = {dir / "ec.pem"}, .issuers = {dir / "ec.pem"}}))
                .code(),
            kAccepted);
}

TEST(AuthAssertion, AudienceMismatch) {
  auto expect = expectations();
  expect.audience = "https://other-records.example.org/api";
  EXPECT_EQ(failureOf(demoAssertion(), expect).code(), Errc::AudienceMismatch);
}

TEST(AuthAssertion, LifetimeAtMost300Seconds) {
  EXPECT_EQ(failureOf(demoAssertion(claimsAt(kNow, 300))).code(), kAccepted);
  EXPECT_EQ(failureOf(demoAssertion(claimsAt(kNow, 301))).code(), Errc::TokenExpired);
  EXPECT_EQ(failureOf(demoAssertion(claimsAt(kNow, 0))).code(), Errc::TokenInvalid);
  EXPECT_EQ(failureOf(demoAssertion(claimsAt(kNow, -10))).code(), Errc::TokenInvalid);
}

TEST(AuthAssertion, ExpiredAndFutureWithLeeway) {
  // exp = now - 30 is still inside the 30 s leeway; one more second is not.
  EXPECT_EQ(failureOf(demoAssertion(claimsAt(kNow - 150, 120))).code(), kAccepted);
  EXPECT_EQ(failureOf(demoAssertion(claimsAt(kNow - 151, 120))).code(), Errc::TokenExpired);
  EXPECT_EQ(failureOf(demoAssertion(claimsAt(kNow + 30))).code(), kAccepted);
  const auto future = failureOf(demoAssertion(claimsAt(kNow + 31)));
  EXPECT_EQ(future.code(), Errc::TokenExpired);
  EXPECT_NE(std::string(future.what()).find("future"), std::string::npos) << future.what();
  auto strict = expectations();
  strict.leeway = std::chrono::seconds(0);
  EXPECT_EQ(failureOf(demoAssertion(claimsAt(kNow + 1)), strict).code(), Errc::TokenExpired);
}

TEST(AuthAssertion, NonceAndOriginMismatch) {
  json otherNonce = claimsAt(kNow);
  otherNonce["nonce"] = auth::base64(auth::randomBytes(32));
  EXPECT_EQ(failureOf(demoAssertion(otherNonce)).code(), Errc::NonceMismatch);
  json otherOrigin = claimsAt(kNow);
  otherOrigin["origin"] = "https://evil.example";
  EXPECT_EQ(failureOf(demoAssertion(otherOrigin)).code(), Errc::OriginMismatch);
  json noOrigin = claimsAt(kNow);
  noOrigin.erase("origin");
  EXPECT_EQ(failureOf(demoAssertion(noOrigin)).code(), Errc::OriginMismatch);
  // Without expectations for them, nonce and origin are not compared.
  auto loose = expectations();
  loose.nonce.reset();
  loose.origin.reset();
  EXPECT_EQ(failureOf(demoAssertion(otherNonce), loose).code(), kAccepted);
  EXPECT_EQ(failureOf(demoAssertion(noOrigin), loose).code(), kAccepted);
}

TEST(AuthAssertion, ReplayOfNonceOrJtiIsRefused) {
  auth::MemoryNonceStore nonces;
  const auto validator = standardValidator();
  auto loose = expectations();
  loose.nonce.reset();
  const std::string jws = demoAssertion();
  auth::verifyRecordAccessAssertion(jws, loose, validator, nonces);
  const auto replay = [&](const std::string& again) {
    try {
      auth::verifyRecordAccessAssertion(again, loose, validator, nonces);
    } catch (const Error& error) {
      return error.code();
    }
    return kAccepted;
  };
  EXPECT_EQ(replay(jws), Errc::NonceReplayed);
  json sameJti = claimsAt(kNow);
  sameJti["nonce"] = auth::base64(auth::randomBytes(32));
  EXPECT_EQ(replay(demoAssertion(sameJti)), Errc::NonceReplayed);
  json fresh = claimsAt(kNow);
  fresh["nonce"] = auth::base64(auth::randomBytes(32));
  fresh["jti"] = "another";
  EXPECT_EQ(replay(demoAssertion(fresh)), kAccepted);
}

TEST(AuthAssertion, HeaderRules) {
  const auto key = demoKey();
  const json claims = claimsAt(kNow);
  EXPECT_EQ(failureOf(craft(demoHeader(), claims, key)).code(), kAccepted);
  json badType = demoHeader();
  badType["typ"] = "JWT";
  EXPECT_EQ(failureOf(craft(badType, claims, key)).code(), Errc::TokenInvalid);
  json noType = demoHeader();
  noType.erase("typ");
  EXPECT_EQ(failureOf(craft(noType, claims, key)).code(), Errc::TokenInvalid);
  json crit = demoHeader();
  crit["crit"] = {"exp"};
  EXPECT_EQ(failureOf(craft(crit, claims, key)).code(), Errc::TokenInvalid);
  for (const json& x5c : {json(nullptr), json::array(), json("MII"), json::array({42}),
                          json::array({"not base64!"})}) {
    json header = demoHeader();
    header["x5c"] = x5c;
    EXPECT_EQ(failureOf(craft(header, claims, key)).code(), Errc::TokenInvalid) << x5c;
  }
  json noneAlg = demoHeader();
  noneAlg["alg"] = "none";
  EXPECT_EQ(failureOf(craft(noneAlg, claims, key)).code(), Errc::TokenInvalid);
}

TEST(AuthAssertion, AlgorithmMustFitTheKey) {
  const auto rsa = demoKey();
  json es256 = demoHeader();
  es256["alg"] = "ES256";
  const auto error = failureOf(craft(es256, claimsAt(kNow), rsa));
  EXPECT_EQ(error.code(), Errc::TokenInvalid);
  EXPECT_NE(std::string(error.what()).find("does not fit"), std::string::npos) << error.what();
  // An EC certificate with alg RS256.
  const auto ec = TestKey::generateEc("P-256");
  json rs256 = {{"alg", "RS256"},
                {"typ", "hcbridge-record-access+jwt"},
                {"x5c", {auth::base64(ec.selfSignedCertificate("TEST EC"))}}};
  EXPECT_EQ(failureOf(craft(rs256, claimsAt(kNow), ec)).code(), Errc::TokenInvalid);
}

TEST(AuthAssertion, CertificateRulesAndChainFromX5c) {
  json expired = demoHeader();
  expired["x5c"] = {auth::base64(fixtureCertificate("cps-expired-auth"))};
  EXPECT_EQ(failureOf(craft(expired, claimsAt(kNow),
                            TestKey::fromPem(pkiFile("cps-expired-auth.key.pem"))))
                .code(),
            Errc::CertificateExpired);
  // Only the root configured: the intermediate comes in x5c[1] (the issuers
  // restrict, they do not build the path).
  const auth::CertificateValidator rootOnly(
      {.trustAnchors = {pkiFile("root.cert.pem")}, .issuers = {pkiFile("intermediate.cert.pem")}});
  EXPECT_EQ(failureOf(demoAssertion(), expectations(), rootOnly).code(),
            Errc::CertificateUntrusted);
  json chained = demoHeader();
  chained["x5c"].push_back(auth::base64(fixtureCertificate("intermediate")));
  EXPECT_EQ(failureOf(craft(chained, claimsAt(kNow), demoKey()), expectations(), rootOnly).code(),
            kAccepted);
}

TEST(AuthAssertion, ClaimTypes) {
  const auto key = demoKey();
  const auto withClaim = [&](const char* name, const json& value) {
    json claims = claimsAt(kNow);
    if (value.is_discarded()) {
      claims.erase(name);
    } else {
      claims[name] = value;
    }
    return failureOf(craft(demoHeader(), claims, key)).code();
  };
  const json missing = json(json::value_t::discarded);
  for (const char* name : {"aud", "nonce", "iat", "exp", "jti", "purpose"}) {
    EXPECT_EQ(withClaim(name, missing), Errc::TokenInvalid) << name;
  }
  EXPECT_EQ(withClaim("aud", json::array({kAudience})), Errc::TokenInvalid);
  EXPECT_EQ(withClaim("iat", static_cast<double>(kNow)), Errc::TokenInvalid);
  EXPECT_EQ(withClaim("iat", std::to_string(kNow)), Errc::TokenInvalid);
  EXPECT_EQ(withClaim("exp", -1), Errc::TokenInvalid);
  EXPECT_EQ(withClaim("exp", std::numeric_limits<std::uint64_t>::max()), Errc::TokenInvalid);
  EXPECT_EQ(withClaim("iat", std::numeric_limits<std::int64_t>::min()), Errc::TokenInvalid);
  EXPECT_EQ(withClaim("jti", 7), Errc::TokenInvalid);
  EXPECT_EQ(withClaim("origin", 7), Errc::TokenInvalid);
  EXPECT_EQ(withClaim("purpose", "curiosity"), Errc::PurposeInvalid);
  EXPECT_EQ(withClaim("purpose", 1), Errc::TokenInvalid);
  EXPECT_EQ(withClaim("purpose", "bris_de_glace"), kAccepted);
  EXPECT_EQ(withClaim("purpose", "centre_15"), kAccepted);
}

TEST(AuthAssertion, MalformedCompactSerialisation) {
  const std::string jws = demoAssertion();
  const auto firstDot = jws.find('.');
  const auto lastDot = jws.rfind('.');
  const std::string header = jws.substr(0, firstDot);
  const std::string payload = jws.substr(firstDot + 1, lastDot - firstDot - 1);
  const std::string signature = jws.substr(lastDot + 1);
  const std::string arrayPayload = auth::base64Url(textBytes("[1,2]"));
  const std::string notJson = auth::base64Url(textBytes("{\"aud\":"));
  for (const std::string& bad : {
           std::string(),
           header + "." + payload,
           jws + ".",
           jws + "." + signature,
           "." + payload + "." + signature,
           header + ".." + signature,
           header + "." + payload + ".",
           header + "=." + payload + "." + signature,
           header + "." + payload + "." + signature + "=",
           header + "." + arrayPayload + "." + signature,
           header + "." + notJson + "." + signature,
           header + " ." + payload + "." + signature,
           payload + "." + header + "." + signature,
       }) {
    EXPECT_EQ(failureOf(bad).code(), Errc::TokenInvalid) << bad;
  }
  // A changed payload keeps the syntax but breaks the signature.
  json changed = claimsAt(kNow);
  changed["purpose"] = "bris_de_glace";
  const std::string forged =
      header + "." + auth::base64Url(textBytes(changed.dump())) + "." + signature;
  const auto error = failureOf(forged);
  EXPECT_EQ(error.code(), Errc::TokenInvalid);
  EXPECT_NE(std::string(error.what()).find("signature"), std::string::npos);
}

TEST(AuthAssertion, SizeCap) {
  json big = claimsAt(kNow);
  big["padding"] = std::string(64 * 1024, 'x');
  const std::string jws = demoAssertion(big);
  ASSERT_GT(jws.size(), auth::kMaxAssertionSize);
  const auto error = failureOf(jws);
  EXPECT_EQ(error.code(), Errc::TokenInvalid);
  EXPECT_NE(std::string(error.what()).find("64 KiB"), std::string::npos);
}

TEST(AuthAssertion, ExpectationRules) {
  auto noAudience = expectations();
  noAudience.audience.clear();
  EXPECT_EQ(failureOf(demoAssertion(), noAudience).code(), Errc::BadRequest);
  auto badOrigin = expectations();
  badOrigin.origin = "https://x.example/path";
  EXPECT_EQ(failureOf(demoAssertion(), badOrigin).code(), Errc::OriginInvalid);
  auto hugeLeeway = expectations();
  hugeLeeway.leeway = std::chrono::hours(2);
  EXPECT_EQ(failureOf(demoAssertion(), hugeLeeway).code(), Errc::BadRequest);
}

TEST(AuthAssertion, MakerRefusesNonObjectClaims) {
  EXPECT_THROW(
      auth::makeCompactJws(fixtureCertificate("cps-demo-auth"), json::array(), demoKey().signer()),
      Error);
}

}  // namespace
}  // namespace hcbridge::testing
