// MSE SET, PSO COMPUTE DIGITAL SIGNATURE and INTERNAL AUTHENTICATE, checked
// with the public key through OpenSSL.
#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <nlohmann/json.hpp>

#include "hcbridge/base/openssl_handle.hpp"
#include "sim_test_support.hpp"

namespace hcbridge::sim::testing {
namespace {

constexpr std::string_view kVerifyRight = "00 20 00 01 04 31 32 33 34";
constexpr std::string_view kMseRsa = "00 22 41 B6 06 80 01 02 84 01 82";

using Pkey = base::EvpPkeyHandle;

Pkey keyFromPem(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  Pkey key(PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr));
  BIO_free(bio);
  return key;
}

Bytes sha256(ByteView message) {
  Bytes digest(32);
  unsigned int length = 0;
  EVP_Digest(message.data(), message.size(), digest.data(), &length, EVP_sha256(), nullptr);
  return digest;
}

// DigestInfo for SHA-256 (PKCS#1 v1.5) around a hash.
Bytes digestInfo(const Bytes& hash) {
  Bytes info = fromHex("30 31 30 0D 06 09 60 86 48 01 65 03 04 02 01 05 00 04 20");
  info.insert(info.end(), hash.begin(), hash.end());
  return info;
}

Bytes command(std::string_view headerHex, const Bytes& data, bool withLe) {
  Bytes raw = fromHex(headerHex);
  raw.push_back(static_cast<std::uint8_t>(data.size()));
  raw.insert(raw.end(), data.begin(), data.end());
  if (withLe) raw.push_back(0x00);
  return raw;
}

Reply sendRaw(Card& card, const Bytes& raw) {
  return send(card, toHex(raw));
}

bool verifyRsaSha256(EVP_PKEY* key, ByteView message, ByteView signature) {
  base::EvpMdCtxHandle ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  if (EVP_DigestVerifyInit(ctx.get(), &pctx, EVP_sha256(), nullptr, key) != 1) return false;
  EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING);
  return EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), message.data(),
                          message.size()) == 1;
}

// Verifies a signature over `input` as given (no digest): PKCS#1 type 1 for
// RSA, ECDSA on a hash for EC (signature as DER).
bool verifyRaw(EVP_PKEY* key, ByteView input, ByteView signature) {
  base::EvpPkeyCtxHandle ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
  if (EVP_PKEY_verify_init(ctx.get()) != 1) return false;
  if (EVP_PKEY_is_a(key, "RSA")) EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING);
  return EVP_PKEY_verify(ctx.get(), signature.data(), signature.size(), input.data(),
                         input.size()) == 1;
}

Bytes plainToDer(const Bytes& plain) {
  const std::size_t half = plain.size() / 2;
  ECDSA_SIG* sig = ECDSA_SIG_new();
  ECDSA_SIG_set0(sig, BN_bin2bn(plain.data(), static_cast<int>(half), nullptr),
                 BN_bin2bn(plain.data() + half, static_cast<int>(half), nullptr));
  unsigned char* der = nullptr;
  const int length = i2d_ECDSA_SIG(sig, &der);
  Bytes out(der, der + length);
  OPENSSL_free(der);
  ECDSA_SIG_free(sig);
  return out;
}

std::string ecP256Pem() {
  Pkey key(EVP_EC_gen("P-256"));
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<std::size_t>(length));
  BIO_free(bio);
  return pem;
}

std::string ecProfileJson(const std::string& pem) {
  std::string escaped;
  for (const char c : pem) {
    if (c == '\n') {
      escaped += "\\n";
    } else {
      escaped += c;
    }
  }
  return R"({"name": "ec-test", "description": "TEST profile with a throwaway P-256 key",
             "atr": "3B 00", "mf": {}, "pins": [{"ref": "01", "value": "0000"}],
             "keys": [{"ref": "83", "use": "always", "pem": ")" +
         escaped + R"("}, {"ref": "84", "use": "never", "pem": ")" + escaped + R"("}]})";
}

class SimRsaSignature : public ::testing::Test {
 protected:
  void SetUp() override {
    profile_ = loadProfile("generic");
    ASSERT_EQ(profile_.keys.size(), 1u);
    key_ = keyFromPem(profile_.keys[0].privateKeyPem);
    ASSERT_TRUE(key_);
    card_ = std::make_unique<Card>(profile_);
  }
  Profile profile_;
  Pkey key_;
  std::unique_ptr<Card> card_;
};

TEST_F(SimRsaSignature, PsoWithoutMseIs6985) {
  ASSERT_EQ(sw(*card_, kVerifyRight), 0x9000);
  const Reply reply =
      sendRaw(*card_, command("00 2A 9E 9A", digestInfo(sha256(bytesOf("x"))), true));
  EXPECT_EQ(reply.sw, 0x6985);
}

TEST_F(SimRsaSignature, MseWithUnknownKeyIs6A88) {
  EXPECT_EQ(sw(*card_, "00 22 41 B6 03 84 01 99"), 0x6A88);
  EXPECT_EQ(sw(*card_, "00 22 41 B6 03 83 01 99"), 0x6A88);
}

TEST_F(SimRsaSignature, MseWrongParametersAndData) {
  EXPECT_EQ(sw(*card_, "00 22 42 B6 03 84 01 82"), 0x6A86);
  EXPECT_EQ(sw(*card_, "00 22 41 B7 03 84 01 82"), 0x6A86);
  EXPECT_EQ(sw(*card_, "00 22 41 B6 03 84 05 82"), 0x6A80);  // TLV length beyond the data
  EXPECT_EQ(sw(*card_, "00 22 41 A4 03 83 01 82"), 0x9000);
  EXPECT_EQ(sw(*card_, "00 22 41 B8 03 84 01 82"), 0x9000);
}

TEST_F(SimRsaSignature, PsoBeforePinIs6982) {
  ASSERT_EQ(sw(*card_, kMseRsa), 0x9000);
  const Reply reply =
      sendRaw(*card_, command("00 2A 9E 9A", digestInfo(sha256(bytesOf("x"))), true));
  EXPECT_EQ(reply.sw, 0x6982);
}

TEST_F(SimRsaSignature, PsoSignsDigestInfoWithPkcs1) {
  ASSERT_EQ(sw(*card_, kVerifyRight), 0x9000);
  ASSERT_EQ(sw(*card_, kMseRsa), 0x9000);
  const Bytes message = bytesOf("invented TEST document");
  const Reply reply = sendRaw(*card_, command("00 2A 9E 9A", digestInfo(sha256(message)), true));
  ASSERT_EQ(reply.sw, 0x9000);
  EXPECT_EQ(reply.data.size(), 256u);
  EXPECT_TRUE(verifyRsaSha256(key_.get(), message, reply.data));
}

TEST_F(SimRsaSignature, PsoSignsARawHash) {
  ASSERT_EQ(sw(*card_, kVerifyRight), 0x9000);
  ASSERT_EQ(sw(*card_, kMseRsa), 0x9000);
  const Bytes hash = sha256(bytesOf("y"));
  const Reply reply = sendRaw(*card_, command("00 2A 9E 9A", hash, true));
  ASSERT_EQ(reply.sw, 0x9000);
  EXPECT_TRUE(verifyRaw(key_.get(), hash, reply.data));
}

TEST_F(SimRsaSignature, InputTooLongIs6700) {
  ASSERT_EQ(sw(*card_, kVerifyRight), 0x9000);
  ASSERT_EQ(sw(*card_, kMseRsa), 0x9000);
  const Bytes tooLong(246, 0x11);  // more than 256 - 11
  Bytes raw = fromHex("00 2A 9E 9A 00 00 F6");
  raw.insert(raw.end(), tooLong.begin(), tooLong.end());
  raw.push_back(0x00);
  raw.push_back(0x00);
  EXPECT_EQ(sendRaw(*card_, raw).sw, 0x6700);
  EXPECT_EQ(sw(*card_, "00 2A 9E 9A 00"), 0x6700);  // no data at all
}

TEST_F(SimRsaSignature, WrongPsoParametersAre6A86) {
  EXPECT_EQ(sw(*card_, "00 2A 80 86 02 00 11 00"), 0x6A86);
}

TEST_F(SimRsaSignature, InternalAuthenticate) {
  ASSERT_EQ(sw(*card_, "00 22 41 A4 03 84 01 82"), 0x9000);
  const Bytes challenge = fromHex("01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F 10");
  EXPECT_EQ(sendRaw(*card_, command("00 88 00 00", challenge, true)).sw, 0x6982);
  ASSERT_EQ(sw(*card_, kVerifyRight), 0x9000);
  const Reply reply = sendRaw(*card_, command("00 88 00 00", challenge, true));
  ASSERT_EQ(reply.sw, 0x9000);
  EXPECT_TRUE(verifyRaw(key_.get(), challenge, reply.data));
  EXPECT_EQ(sendRaw(*card_, command("00 88 01 00", challenge, true)).sw, 0x6A86);
}

TEST_F(SimRsaSignature, ResetForgetsTheMse) {
  ASSERT_EQ(sw(*card_, kMseRsa), 0x9000);
  card_->reset();
  ASSERT_EQ(sw(*card_, kVerifyRight), 0x9000);
  EXPECT_EQ(sendRaw(*card_, command("00 2A 9E 9A", sha256(bytesOf("z")), true)).sw, 0x6985);
}

TEST(SimEcSignature, P256PlainSignatureVerifies) {
  const std::string pem = ecP256Pem();
  Pkey key = keyFromPem(pem);
  ASSERT_TRUE(key);
  Card card(parseProfile(ecProfileJson(pem)));
  ASSERT_EQ(sw(card, "00 22 41 B6 06 80 01 04 84 01 83"), 0x9000);
  for (int round = 0; round < 4; ++round) {
    const Bytes hash = sha256(Bytes{static_cast<std::uint8_t>(round)});
    const Reply reply = sendRaw(card, command("00 2A 9E 9A", hash, true));
    ASSERT_EQ(reply.sw, 0x9000);
    ASSERT_EQ(reply.data.size(), 64u);  // r || s, 32 bytes each
    EXPECT_TRUE(verifyRaw(key.get(), hash, plainToDer(reply.data)));
  }
}

TEST(SimEcSignature, NeverUsableKeyIs6982) {
  Card card(parseProfile(ecProfileJson(ecP256Pem())));
  ASSERT_EQ(sw(card, "00 22 41 B6 03 84 01 84"), 0x9000);
  EXPECT_EQ(sendRaw(card, command("00 2A 9E 9A", sha256(bytesOf("a")), true)).sw, 0x6982);
}

TEST(SimEcSignature, SignatureLongerThanLeGives6Cxx) {
  Card card(parseProfile(ecProfileJson(ecP256Pem())));
  ASSERT_EQ(sw(card, "00 22 41 B6 03 84 01 83"), 0x9000);
  Bytes raw = command("00 2A 9E 9A", sha256(bytesOf("b")), false);
  raw.push_back(0x20);  // Le 32 < 64
  EXPECT_EQ(sendRaw(card, raw).sw, 0x6C40);
}

// A card-authentication key as the Vitale profiles have it: INTERNAL
// AUTHENTICATE without PIN ("authenticate": "always"), PSO never.
TEST(SimEcSignature, InternalAuthenticateWithoutPinUnderItsOwnRule) {
  const std::string pem = ecP256Pem();
  Pkey key = keyFromPem(pem);
  ASSERT_TRUE(key);
  nlohmann::json document = nlohmann::json::parse(ecProfileJson(pem));
  document["keys"][0]["use"] = "never";
  document["keys"][0]["authenticate"] = "always";
  const Profile profile = parseProfile(document.dump());
  ASSERT_TRUE(profile.keys[0].authenticate.has_value());
  EXPECT_EQ(profile.keys[0].authenticate->kind, AccessRule::Kind::Always);
  EXPECT_FALSE(profile.keys[1].authenticate.has_value());  // not given: `use` applies
  Card card(profile);
  ASSERT_EQ(sw(card, "00 22 41 A4 06 84 01 83 80 01 00"), 0x9000);
  const Bytes digest = sha256(bytesOf("host challenge"));
  const Reply reply = sendRaw(card, command("00 88 00 00", digest, true));
  ASSERT_EQ(reply.sw, 0x9000);
  ASSERT_EQ(reply.data.size(), 64u);
  EXPECT_TRUE(verifyRaw(key.get(), digest, plainToDer(reply.data)));
  EXPECT_EQ(sendRaw(card, command("00 2A 9E 9A", digest, true)).sw, 0x6982);  // use: never
}

TEST(SimEcSignature, AuthenticateRuleIsChecked) {
  nlohmann::json document = nlohmann::json::parse(ecProfileJson(ecP256Pem()));
  document["keys"][0]["authenticate"] = "pin:05";
  expectError([&] { parseProfile(document.dump()); }, Errc::ProfileInvalid,
              "keys[0].authenticate: PIN 05 is not defined");
  document["keys"][0]["authenticate"] = "pin:01";
  Card card(parseProfile(document.dump()));
  ASSERT_EQ(sw(card, "00 22 41 A4 03 84 01 83"), 0x9000);
  const Bytes digest = sha256(bytesOf("c"));
  EXPECT_EQ(sendRaw(card, command("00 88 00 00", digest, true)).sw, 0x6982);
  ASSERT_EQ(sw(card, "00 20 00 01 04 30 30 30 30"), 0x9000);
  EXPECT_EQ(sendRaw(card, command("00 88 00 00", digest, true)).sw, 0x9000);
}

}  // namespace
}  // namespace hcbridge::sim::testing
