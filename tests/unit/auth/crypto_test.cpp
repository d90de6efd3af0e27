// JWS algorithm choice, signature verification and base64 strictness.
#include "hcbridge/auth/crypto.hpp"

#include <gtest/gtest.h>

#include "auth_test_support.hpp"
#include "der.hpp"
#include "hcbridge/error.hpp"

namespace hcbridge::testing {
namespace {

using auth::JwsAlgorithm;

Bytes asBytes(std::string_view text) {
  return {text.begin(), text.end()};
}

template <typename F>
Errc errorOf(F&& call) {
  try {
    call();
  } catch (const Error& error) {
    return error.code();
  }
  ADD_FAILURE() << "no hcbridge::Error thrown";
  return Errc::Internal;
}

TEST(AuthBase64, EncodesRfc4648TestVectors) {
  EXPECT_EQ(auth::base64(asBytes("")), "");
  EXPECT_EQ(auth::base64(asBytes("f")), "Zg==");
  EXPECT_EQ(auth::base64(asBytes("fo")), "Zm8=");
  EXPECT_EQ(auth::base64(asBytes("foo")), "Zm9v");
  EXPECT_EQ(auth::base64(asBytes("foobar")), "Zm9vYmFy");
  EXPECT_EQ(auth::base64Url(asBytes("f")), "Zg");
  EXPECT_EQ(auth::base64(Bytes{0xFB, 0xFF}), "+/8=");
  EXPECT_EQ(auth::base64Url(Bytes{0xFB, 0xFF}), "-_8");
}

TEST(AuthBase64, RoundTripsEveryLength) {
  for (std::size_t length = 0; length < 40; ++length) {
    const Bytes data = auth::randomBytes(length);
    EXPECT_EQ(auth::fromBase64(auth::base64(data)), data);
    EXPECT_EQ(auth::fromBase64Url(auth::base64Url(data)), data);
  }
}

TEST(AuthBase64, StrictDecoding) {
  EXPECT_EQ(auth::fromBase64("Zm8="), asBytes("fo"));
  EXPECT_EQ(auth::fromBase64(""), Bytes{});
  EXPECT_FALSE(auth::fromBase64("Zm8"));       // padding missing
  EXPECT_FALSE(auth::fromBase64("Zg="));       // wrong padding length
  EXPECT_FALSE(auth::fromBase64("Zg==="));     // too much padding
  EXPECT_FALSE(auth::fromBase64("Z==="));      // a lone character
  EXPECT_FALSE(auth::fromBase64("Zg==Zg=="));  // padding inside
  EXPECT_FALSE(auth::fromBase64("Zm9 v"));     // space
  EXPECT_FALSE(auth::fromBase64("Zm9v\n"));    // newline
  EXPECT_FALSE(auth::fromBase64("-_8="));      // url alphabet
  EXPECT_FALSE(auth::fromBase64("Zh=="));      // non-zero unused bits
  EXPECT_FALSE(auth::fromBase64("Zm9="));      // non-zero unused bits
  EXPECT_EQ(auth::fromBase64Url("-_8"), (Bytes{0xFB, 0xFF}));
  EXPECT_FALSE(auth::fromBase64Url("Zg=="));  // padding not allowed
  EXPECT_FALSE(auth::fromBase64Url("+/8"));   // standard alphabet
  EXPECT_FALSE(auth::fromBase64Url("Z"));     // impossible length
  EXPECT_FALSE(auth::fromBase64Url("Zh"));    // non-zero unused bits
  EXPECT_FALSE(auth::fromBase64Url(std::string_view("Zg\0", 3)));
}

TEST(AuthCrypto, AlgorithmNames) {
  for (const auto algorithm : {JwsAlgorithm::RS256, JwsAlgorithm::PS256, JwsAlgorithm::ES256}) {
    EXPECT_EQ(auth::parseJwsAlgorithm(auth::jwsName(algorithm)), algorithm);
  }
  EXPECT_FALSE(auth::parseJwsAlgorithm("none"));
  EXPECT_FALSE(auth::parseJwsAlgorithm("rs256"));
  EXPECT_FALSE(auth::parseJwsAlgorithm("ES384"));
}

TEST(AuthCrypto, AlgorithmForCertificate) {
  EXPECT_EQ(auth::algorithmForCertificate(fixtureCertificate("cps-demo-auth")),
            JwsAlgorithm::RS256);
  EXPECT_EQ(auth::algorithmForCertificate(fixtureCertificate("vitale-family-card")),
            JwsAlgorithm::ES256);
  EXPECT_EQ(auth::algorithmForCertificate(
                TestKey::generateEc("brainpoolP256r1").selfSignedCertificate("TEST brainpool")),
            JwsAlgorithm::ES256);
  EXPECT_EQ(errorOf([] {
              auth::algorithmForCertificate(
                  TestKey::generateEc("P-384").selfSignedCertificate("TEST P-384"));
            }),
            Errc::CertificateInvalid);
  EXPECT_EQ(errorOf([] { auth::algorithmForCertificate(asBytes("not a certificate")); }),
            Errc::CertificateInvalid);
  Bytes trailing = fixtureCertificate("cps-demo-auth");
  trailing.push_back(0);
  EXPECT_EQ(errorOf([&] { auth::algorithmForCertificate(trailing); }), Errc::CertificateInvalid);
}

TEST(AuthCrypto, CardSchemes) {
  EXPECT_EQ(auth::cardSchemeFor(JwsAlgorithm::RS256), SignatureScheme::RsaPkcs1Sha256);
  EXPECT_EQ(auth::cardSchemeFor(JwsAlgorithm::ES256), SignatureScheme::EcdsaSha256);
  EXPECT_EQ(auth::cardSchemeFor(JwsAlgorithm::PS256), SignatureScheme::RsaPssSha256);
}

TEST(AuthCrypto, Sha256AndRandom) {
  EXPECT_EQ(toHex(auth::sha256(std::string_view("abc"))),
            "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD");
  EXPECT_EQ(auth::sha256(asBytes("abc")), auth::sha256(std::string_view("abc")));
  EXPECT_EQ(auth::randomBytes(32).size(), 32u);
  EXPECT_NE(auth::randomBytes(32), auth::randomBytes(32));
  EXPECT_TRUE(auth::randomBytes(0).empty());
}

TEST(AuthCrypto, VerifiesRsaPkcs1AndPss) {
  const auto key = demoKey();
  const Bytes certificate = fixtureCertificate("cps-demo-auth");
  const Bytes digest = auth::sha256(std::string_view("message"));
  const Bytes pkcs1 = key.signDigest(digest);
  const Bytes pss = key.signDigestPss(digest);
  EXPECT_TRUE(auth::verifyDigest(certificate, JwsAlgorithm::RS256, digest, pkcs1));
  EXPECT_FALSE(auth::verifyDigest(certificate, JwsAlgorithm::PS256, digest, pkcs1));
  EXPECT_TRUE(auth::verifyDigest(certificate, JwsAlgorithm::PS256, digest, pss));
  EXPECT_FALSE(auth::verifyDigest(certificate, JwsAlgorithm::RS256, digest, pss));
  EXPECT_FALSE(auth::verifyDigest(certificate, JwsAlgorithm::ES256, digest, pkcs1));
  EXPECT_TRUE(auth::verifyDigestWithPublicKey(auth::publicKeyOf(certificate), JwsAlgorithm::RS256,
                                              digest, pkcs1));
  // Another digest, a flipped bit, a truncated or empty signature.
  EXPECT_FALSE(auth::verifyDigest(certificate, JwsAlgorithm::RS256,
                                  auth::sha256(std::string_view("other")), pkcs1));
  Bytes flipped = pkcs1;
  flipped[10] ^= 0x01;
  EXPECT_FALSE(auth::verifyDigest(certificate, JwsAlgorithm::RS256, digest, flipped));
  EXPECT_FALSE(
      auth::verifyDigest(certificate, JwsAlgorithm::RS256, digest, ByteView(pkcs1).first(100)));
  EXPECT_FALSE(auth::verifyDigest(certificate, JwsAlgorithm::RS256, digest, Bytes{}));
  EXPECT_FALSE(
      auth::verifyDigest(certificate, JwsAlgorithm::RS256, ByteView(digest).first(31), pkcs1));
  // The sign certificate's key is another one.
  EXPECT_FALSE(
      auth::verifyDigest(fixtureCertificate("cps-demo-sign"), JwsAlgorithm::RS256, digest, pkcs1));
  EXPECT_EQ(errorOf([&] { auth::verifyDigest(asBytes("x"), JwsAlgorithm::RS256, digest, pkcs1); }),
            Errc::CertificateInvalid);
  EXPECT_EQ(errorOf([&] {
              auth::verifyDigestWithPublicKey(asBytes("x"), JwsAlgorithm::RS256, digest, pkcs1);
            }),
            Errc::CertificateInvalid);
}

class AuthEcdsa : public ::testing::TestWithParam<const char*> {};

TEST_P(AuthEcdsa, VerifiesRawSignaturesOnly) {
  const auto key = TestKey::generateEc(GetParam());
  const Bytes certificate = key.selfSignedCertificate("TEST EC card");
  const Bytes digest = auth::sha256(std::string_view("message"));
  const Bytes raw = key.signDigest(digest);
  ASSERT_EQ(raw.size(), 64u);
  EXPECT_TRUE(auth::verifyDigest(certificate, JwsAlgorithm::ES256, digest, raw));
  EXPECT_FALSE(auth::verifyDigest(certificate, JwsAlgorithm::RS256, digest, raw));
  // DER (what OpenSSL and some cards produce) is not the JWS form.
  EXPECT_FALSE(
      auth::verifyDigest(certificate, JwsAlgorithm::ES256, digest, key.signDigestDer(digest)));
  EXPECT_FALSE(
      auth::verifyDigest(certificate, JwsAlgorithm::ES256, digest, ByteView(raw).first(63)));
  EXPECT_FALSE(auth::verifyDigest(certificate, JwsAlgorithm::ES256, digest, Bytes(64, 0)));
  EXPECT_FALSE(auth::verifyDigest(certificate, JwsAlgorithm::ES256, digest, Bytes(64, 0xFF)));
  Bytes flipped = raw;
  flipped[40] ^= 0x80;
  EXPECT_FALSE(auth::verifyDigest(certificate, JwsAlgorithm::ES256, digest, flipped));
}

INSTANTIATE_TEST_SUITE_P(Curves, AuthEcdsa, ::testing::Values("P-256", "brainpoolP256r1"));

TEST(AuthCrypto, EcdsaConversionsRoundTrip) {
  const auto key = TestKey::generateEc("P-256");
  const Bytes digest = auth::sha256(std::string_view("x"));
  const Bytes der = key.signDigestDer(digest);
  const auto raw = auth::detail::derEcdsaToRaw(der, 32);
  ASSERT_TRUE(raw);
  EXPECT_EQ(auth::detail::rawEcdsaToDer(*raw, 32), der);
  EXPECT_FALSE(auth::detail::derEcdsaToRaw(asBytes("garbage"), 32));
  EXPECT_FALSE(auth::detail::rawEcdsaToDer(Bytes(63), 32));
}

TEST(AuthCrypto, PublicKeyOfIsTheSubjectPublicKeyInfo) {
  const Bytes spki = auth::publicKeyOf(fixtureCertificate("cps-demo-auth"));
  ASSERT_GT(spki.size(), 256u);
  EXPECT_EQ(spki[0], 0x30);
  EXPECT_NE(spki, auth::publicKeyOf(fixtureCertificate("cps-demo-sign")));
}

}  // namespace
}  // namespace hcbridge::testing
