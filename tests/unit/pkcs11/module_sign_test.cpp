// Signing through SoftHSM2 in each scheme hcbridge asks of a card, every
// signature checked by OpenSSL against the token's certificate.
#include <gtest/gtest.h>

#include "hcbridge/auth/crypto.hpp"
#include "hcbridge/pkcs11/module.hpp"
#include "hcbridge_test/expect_error.hpp"
#include "softhsm_token.hpp"

namespace hcbridge::testing {
namespace {

using auth::JwsAlgorithm;
using pkcs11::Module;
using pkcs11::Session;

// A token of `fixture`'s key pair, its module, and a session on it.
class Signer {
 public:
  explicit Signer(const std::string& fixture)
      : token_("hcbridge TEST sign", fixture), module_(Module::load(kSoftHsmModule)) {
    for (const auto& slot : module_->slots()) {
      if (slot.token && slot.token->label == token_.label())
        session_ = module_->openSession(slot.id);
    }
    if (!session_) ADD_FAILURE() << "no token labelled '" << token_.label() << "'";
  }
  Session& session() { return *session_; }
  const Bytes& certificate() const { return token_.certificateDer(); }
  void login() { session_->login(SecretBytes(std::string_view(kTestPin))); }

 private:
  SoftHsmToken token_;
  std::unique_ptr<Module> module_;
  std::unique_ptr<Session> session_;
};

const Bytes kDigest = auth::sha256(std::string_view("hcbridge TEST challenge"));

TEST(Pkcs11Sign, RsaPkcs1Sha256VerifiesAsRs256) {
  Signer signer("cps-demo-auth");
  signer.login();
  const Bytes signature =
      signer.session().sign(kTestKeyId, SignatureScheme::RsaPkcs1Sha256, kDigest);
  EXPECT_EQ(signature.size(), 256u);
  EXPECT_TRUE(auth::verifyDigest(signer.certificate(), JwsAlgorithm::RS256, kDigest, signature));
  // Not as PSS, nor over another digest.
  EXPECT_FALSE(auth::verifyDigest(signer.certificate(), JwsAlgorithm::PS256, kDigest, signature));
  EXPECT_FALSE(auth::verifyDigest(signer.certificate(), JwsAlgorithm::RS256,
                                  auth::sha256(std::string_view("other")), signature));
  // PKCS#1 v1.5 is deterministic: the same digest, the same signature.
  EXPECT_EQ(signer.session().sign(kTestKeyId, SignatureScheme::RsaPkcs1Sha256, kDigest), signature);
}

TEST(Pkcs11Sign, RsaPssSha256VerifiesAsPs256) {
  Signer signer("cps-demo-auth");
  signer.login();
  const Bytes signature = signer.session().sign(kTestKeyId, SignatureScheme::RsaPssSha256, kDigest);
  EXPECT_EQ(signature.size(), 256u);
  EXPECT_TRUE(auth::verifyDigest(signer.certificate(), JwsAlgorithm::PS256, kDigest, signature));
  EXPECT_FALSE(auth::verifyDigest(signer.certificate(), JwsAlgorithm::RS256, kDigest, signature));
  // A random salt: two signatures of one digest differ, both valid.
  const Bytes again = signer.session().sign(kTestKeyId, SignatureScheme::RsaPssSha256, kDigest);
  EXPECT_NE(again, signature);
  EXPECT_TRUE(auth::verifyDigest(signer.certificate(), JwsAlgorithm::PS256, kDigest, again));
}

TEST(Pkcs11Sign, EcdsaSha256VerifiesAsEs256InRawForm) {
  Signer signer("cps-ec-auth");
  signer.login();
  const auto keys = signer.session().privateKeys();
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0].kind, pkcs11::KeyKind::Ec);
  const Bytes signature = signer.session().sign(kTestKeyId, SignatureScheme::EcdsaSha256, kDigest);
  EXPECT_EQ(signature.size(), 64u);  // r||s, as JWS wants it
  EXPECT_TRUE(auth::verifyDigest(signer.certificate(), JwsAlgorithm::ES256, kDigest, signature));
  EXPECT_FALSE(auth::verifyDigest(signer.certificate(), JwsAlgorithm::ES256,
                                  auth::sha256(std::string_view("other")), signature));
}

TEST(Pkcs11Sign, SigningBeforeLoginIsPinRequired) {
  Signer signer("cps-demo-auth");
  expectError([&] { signer.session().sign(kTestKeyId, SignatureScheme::RsaPkcs1Sha256, kDigest); },
              Errc::PinRequired);
  // After a logout too.
  signer.login();
  signer.session().logout();
  expectError([&] { signer.session().sign(kTestKeyId, SignatureScheme::RsaPkcs1Sha256, kDigest); },
              Errc::PinRequired);
}

TEST(Pkcs11Sign, ASchemeTheKeyCannotDoIsOperationUnsupported) {
  Signer rsa("cps-demo-auth");
  rsa.login();
  expectError([&] { rsa.session().sign(kTestKeyId, SignatureScheme::EcdsaSha256, kDigest); },
              Errc::OperationUnsupported);
}

TEST(Pkcs11Sign, AnRsaSchemeOnAnEcKeyIsOperationUnsupported) {
  Signer ec("cps-ec-auth");
  ec.login();
  for (auto scheme : {SignatureScheme::RsaPkcs1Sha256, SignatureScheme::RsaPssSha256}) {
    expectError([&] { ec.session().sign(kTestKeyId, scheme, kDigest); },
                Errc::OperationUnsupported);
  }
}

TEST(Pkcs11Sign, AnUnknownKeyIdOrADigestOfAnotherSizeIsRefused) {
  Signer signer("cps-demo-auth");
  signer.login();
  expectError([&] { signer.session().sign(Bytes{0x02}, SignatureScheme::RsaPkcs1Sha256, kDigest); },
              Errc::CardDataInvalid, "CKA_ID");
  const Bytes shortDigest(20, 0x11);
  expectError(
      [&] { signer.session().sign(kTestKeyId, SignatureScheme::RsaPkcs1Sha256, shortDigest); },
      Errc::BadRequest, "32 bytes");
}

}  // namespace
}  // namespace hcbridge::testing
