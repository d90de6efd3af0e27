// The CPS driver against its simulator profiles, in-process.
#include "cps_driver.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include <memory>

#include "cps_card_data.hpp"
#include "cps_sim_profiles.hpp"
#include "hcbridge/base/openssl_handle.hpp"
#include "hcbridge/error.hpp"
#include "hcbridge/sim/card.hpp"
#include "hcbridge/sim/profile.hpp"
#include "hcbridge/sim/sim_transport.hpp"
#include "hcbridge/tlv.hpp"
#include "test_support.hpp"

namespace hcbridge::drivers::cps {
namespace {

using testing::expectError;
using testing::pkiFile;
using testing::RecordingConnection;

const std::string kReader = "hcbridge simulated reader 0";
const char* const kCps4Atr = "3B 9B 18 80 01 00 12 25 00 64 80 04 01 00 00 90 44";
const char* const kCps3ContactlessAtr =
    "3B 8F 80 01 00 31 B8 64 04 B0 EC C1 73 94 01 80 82 90 00 0E";

std::size_t ceilDiv(std::size_t a, std::size_t b) {
  return (a + b - 1) / b;
}

class CpsDriverTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { registerCpsSimProfiles(); }

  void insert(sim::Profile profile) {
    card_ = std::make_shared<sim::Card>(std::move(profile));
    transport_.insertCard(0, card_);
    connection_ = transport_.connect(kReader);
  }
  void insert(const std::string& name) { insert(sim::loadProfile(name)); }

  // The node at a FID path from the MF.
  static sim::FileNode& node(sim::Profile& profile, std::initializer_list<std::uint16_t> path) {
    sim::FileNode* current = &profile.mf;
    for (const std::uint16_t fid : path) {
      sim::FileNode* next = nullptr;
      for (auto& child : current->children) {
        if (child.fid == fid) next = &child;
      }
      if (next == nullptr) throw std::runtime_error("no such file in the profile");
      current = next;
    }
    return *current;
  }

  // The demo card turned into a CPS4 (IAS application on the MF, T=1).
  static sim::Profile cps4Profile() {
    sim::Profile profile = sim::loadProfile("cps-demo");
    profile.atr = fromHex(kCps4Atr);
    profile.protocol = Protocol::T1;
    profile.mf.aid = Bytes(std::begin(kCps4IasAid), std::end(kCps4IasAid));
    return profile;
  }

  PractitionerCard read() { return std::get<PractitionerCard>(driver_->read(*connection_)); }

  static void expectPinError(const std::function<void()>& call, Errc code, int left) {
    try {
      call();
      ADD_FAILURE() << "expected PinError";
    } catch (const PinError& e) {
      EXPECT_EQ(e.code(), code) << e.what();
      EXPECT_EQ(e.retriesLeft(), left);
    }
  }

  static void expectSignatureVerifies(const Bytes& certificate, const Bytes& hash,
                                      const Bytes& signature) {
    const unsigned char* cursor = certificate.data();
    const base::X509Handle cert(d2i_X509(nullptr, &cursor, static_cast<long>(certificate.size())));
    ASSERT_TRUE(cert);
    EVP_PKEY* key = X509_get0_pubkey(cert.get());
    ASSERT_NE(key, nullptr);
    const base::EvpPkeyCtxHandle ctx(EVP_PKEY_CTX_new(key, nullptr));
    ASSERT_EQ(EVP_PKEY_verify_init(ctx.get()), 1);
    ASSERT_EQ(EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING), 1);
    ASSERT_EQ(EVP_PKEY_CTX_set_signature_md(ctx.get(), EVP_sha256()), 1);
    EXPECT_EQ(
        EVP_PKEY_verify(ctx.get(), signature.data(), signature.size(), hash.data(), hash.size()),
        1);
  }

  static Bytes sha256(std::string_view text) {
    Bytes hash(SHA256_DIGEST_LENGTH);
    SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), hash.data());
    return hash;
  }

  sim::SimTransport transport_;
  std::shared_ptr<sim::Card> card_;
  std::unique_ptr<CardConnection> connection_;
  std::unique_ptr<CardDriver> driver_ = makeCpsDriver();
};

TEST_F(CpsDriverTest, AtrTable) {
  EXPECT_EQ(driver_->id(), "cps");
  EXPECT_EQ(driver_->kind(), CardKind::Practitioner);
  const struct {
    const char* atr;
    std::optional<Variant> variant;
  } cases[] = {
      {"3B AC 00 40 2A 00 12 25 00 64 80 00 03 10 00 90 00", Variant::Cps3Contact},
      {"3B AC 00 40 2A 00 12 25 00 64 80 82 02 12 00 90 00", Variant::Cps3Contact},
      {kCps3ContactlessAtr, Variant::Cps3Contactless},
      {"3B 8F 80 01 00 31 B8 64 55 66 EC C5 73 94 01 80 82 90 00 0E", Variant::Cps3Contactless},
      {kCps4Atr, Variant::Cps4},
      {"3B 9B 18 80 01 00 12 25 00 64 80 00 04 01 00 90 44", Variant::Cps4},
      {"3B DC 18 FF 00 00 12 25 00 64 80 00 04 01 00 90 00", Variant::Cps4},
      // OpenSC's contactless ATR starts 2B: not a valid ATR, not matched.
      {"2B 8F 80 01 00 31 B8 64 04 B0 EC C1 73 94 01 80 82 90 00 0E", std::nullopt},
      {"3B 8F 80 01 00 31 B8 64 04 B0 EC 81 73 94 01 80 82 90 00 0E", std::nullopt},
      {"3B AC 00 40 2A 00 12 25 00 64 81 00 03 10 00 90 00", std::nullopt},
      {"3B 9B 18 80 01 00 12 25 00 64 80 04 01 00 00 90 45", std::nullopt},
      {"3B 75 13 00 00 45 09 EA 90 00", std::nullopt},  // Vitale
      {"3B AC 00 40 2A 00 12 25 00 64 80 00 03 10 00 90", std::nullopt},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(variantFromAtr(fromHex(c.atr)), c.variant) << c.atr;
    EXPECT_EQ(driver_->matchAtr(fromHex(c.atr)), c.variant ? AtrMatch::Yes : AtrMatch::No) << c.atr;
  }
}

TEST_F(CpsDriverTest, ReadsTheDemoCardWithTheMinimumOfApdus) {
  insert("cps-demo");
  const PractitionerCard card = read();
  EXPECT_EQ(card.cardType, "cps");
  EXPECT_EQ(card.generation, "CPS3");
  EXPECT_EQ(card.cardSerial, "99001234");
  EXPECT_EQ(card.surname, "DURAND-TEST");
  EXPECT_EQ(card.givenNames, "H\xC3\xA9l\xC3\xA8ne");
  EXPECT_EQ(card.profession,
            "M\xC3\xA9"
            "decin");
  EXPECT_EQ(card.professionCode, "10");
  EXPECT_EQ(card.nationalId, "810101201234");
  EXPECT_EQ(card.registrationNumber, "");
  EXPECT_EQ(card.telematikId, "");
  ASSERT_EQ(card.certificates.size(), 1u);
  EXPECT_EQ(card.certificates[0].label, kAuthenticationLabel);
  const Bytes authCert = pkiFile("cps-demo-auth.cert.der");
  EXPECT_EQ(card.certificates[0].der, authCert);

  // The minimum docs/cards-french.md (CPS "What is read") implies for a CPS3 (T=0: each answer with
  // data costs a GET RESPONSE; no data on SELECT with P2 0C): SELECT EF.SN.ICC + READ, SELECT
  // PKCS#15 DF, SELECT ODF + READ, SELECT CDF + READ, SELECT the authentication certificate + its
  // 231-byte READs.
  const std::size_t expected = 1 + 2 + 1 + 1 + 2 + 1 + 2 + 1 + 2 * ceilDiv(authCert.size(), 231);
  EXPECT_EQ(card_->commandCount(), expected);
}

TEST_F(CpsDriverTest, SendsTheCps3Commands) {
  insert("cps-demo");
  RecordingConnection recording(*connection_);
  driver_->read(recording);
  ASSERT_GE(recording.commands.size(), 8u);
  EXPECT_EQ(recording.commands[0], "00 A4 09 0C 04 3F 00 D0 03");
  EXPECT_EQ(recording.commands[1], "00 B0 00 00 E7");
  EXPECT_EQ(recording.commands[2], "00 A4 04 0C 0D E8 28 BD 08 0F 80 25 00 00 01 FF 00 10");
  EXPECT_EQ(recording.commands[3], "00 A4 09 0C 02 50 31");
  EXPECT_EQ(recording.commands[5], "00 A4 09 0C 06 3F 00 50 15 44 04");
  EXPECT_EQ(recording.commands[7], "00 A4 09 0C 06 3F 00 50 15 43 01");
}

TEST_F(CpsDriverTest, ProbeChecksTheIssuer) {
  insert("cps-demo");
  EXPECT_TRUE(driver_->probe(*connection_));
  sim::Profile other = sim::loadProfile("cps-demo");
  node(other, {0xD003}).data[4] = 0x27;  // issuer 80 27 ...: not the ANS
  insert(std::move(other));
  EXPECT_FALSE(driver_->probe(*connection_));
  expectError([&] { read(); }, Errc::CardUnsupported, "another issuer");
  sim::Profile generic = sim::loadProfile("generic");
  generic.atr = sim::loadProfile("cps-demo").atr;
  insert(std::move(generic));
  EXPECT_FALSE(driver_->probe(*connection_));
  expectError([&] { read(); }, Errc::CardDataInvalid, "EF.SN.ICC (D003): no such file");
}

TEST_F(CpsDriverTest, ReadsAllCertificatesAuthenticationFirst) {
  insert("cps-demo");
  const auto certificates = driver_->readCertificates(*connection_);
  ASSERT_EQ(certificates.size(), 2u);
  EXPECT_EQ(certificates[0].label, kAuthenticationLabel);
  EXPECT_EQ(certificates[0].der, pkiFile("cps-demo-auth.cert.der"));
  EXPECT_EQ(certificates[1].label, kSignatureLabel);
  EXPECT_EQ(certificates[1].der, pkiFile("cps-demo-sign.cert.der"));
}

TEST_F(CpsDriverTest, PinStatusFromTheChvObject) {
  insert("cps-demo");
  RecordingConnection recording(*connection_);
  PinStatus status = driver_->pinStatus(recording);
  EXPECT_EQ(status.maxTries, 3);
  EXPECT_EQ(status.triesLeft, 3);
  EXPECT_FALSE(status.blocked);
  EXPECT_EQ(status.state, "regular");
  EXPECT_EQ(recording.commands,
            (std::vector<std::string>{"00 A4 09 0C 02 3F 00",
                                      "00 CB 3F FF 0A 4D 08 70 06 BF 81 01 02 A0 80 00"}));
}

TEST_F(CpsDriverTest, WrongPinDecrementsAndReportsTriesLeft) {
  insert("cps-demo");
  expectPinError([&] { driver_->verifyPin(*connection_, SecretBytes(std::string_view("9999"))); },
                 Errc::PinIncorrect, 2);
  EXPECT_EQ(card_->pinTriesLeft(0x01), 2);
  EXPECT_EQ(driver_->pinStatus(*connection_).triesLeft, 2);
  expectPinError([&] { driver_->verifyPin(*connection_, SecretBytes(std::string_view("0000"))); },
                 Errc::PinIncorrect, 1);
  EXPECT_EQ(driver_->pinStatus(*connection_).triesLeft, 1);
  // The right PIN restores the counter.
  driver_->verifyPin(*connection_, SecretBytes(std::string_view("1234")));
  EXPECT_EQ(card_->pinTriesLeft(0x01), 3);
  const PinStatus status = driver_->pinStatus(*connection_);
  EXPECT_EQ(status.triesLeft, 3);
  EXPECT_FALSE(status.blocked);
}

TEST_F(CpsDriverTest, VerifySendsTheAsciiPinToReference01) {
  insert("cps-demo");
  RecordingConnection recording(*connection_);
  driver_->verifyPin(recording, SecretBytes(std::string_view("1234")));
  EXPECT_EQ(recording.commands, std::vector<std::string>{"00 20 00 01 04 31 32 33 34"});
}

TEST_F(CpsDriverTest, MalformedPinsCostNoTry) {
  insert("cps-demo");
  for (const char* pin : {"", "123", "12a4", "1234567890123"}) {
    expectError([&] { driver_->verifyPin(*connection_, SecretBytes(std::string_view(pin))); },
                Errc::BadRequest);
  }
  EXPECT_EQ(card_->commandCount(), 0u);
}

TEST_F(CpsDriverTest, OneTryLeft) {
  insert("cps-one-try-left");
  const PinStatus status = driver_->pinStatus(*connection_);
  EXPECT_EQ(status.triesLeft, 1);
  EXPECT_EQ(status.maxTries, 3);
  EXPECT_FALSE(status.blocked);
  // A wrong PIN now blocks the card.
  expectPinError([&] { driver_->verifyPin(*connection_, SecretBytes(std::string_view("0000"))); },
                 Errc::PinBlocked, 0);
  EXPECT_TRUE(driver_->pinStatus(*connection_).blocked);
  expectPinError([&] { driver_->verifyPin(*connection_, SecretBytes(std::string_view("1234"))); },
                 Errc::PinBlocked, 0);
}

TEST_F(CpsDriverTest, OneTryLeftAcceptsTheRightPin) {
  insert("cps-one-try-left");
  driver_->verifyPin(*connection_, SecretBytes(std::string_view("1234")));
  EXPECT_EQ(driver_->pinStatus(*connection_).triesLeft, 3);
}

TEST_F(CpsDriverTest, Blocked) {
  insert("cps-blocked");
  const PinStatus status = driver_->pinStatus(*connection_);
  EXPECT_TRUE(status.blocked);
  EXPECT_EQ(status.triesLeft, 0);
  EXPECT_EQ(status.maxTries, 3);
  expectPinError([&] { driver_->verifyPin(*connection_, SecretBytes(std::string_view("1234"))); },
                 Errc::PinBlocked, 0);
  expectError(
      [&] {
        driver_->signWithAuthenticationKey(*connection_, sha256("x"),
                                           SignatureScheme::RsaPkcs1Sha256);
      },
      Errc::PinRequired, "PIN must be verified");
  // Reading needs no PIN.
  EXPECT_EQ(read().nationalId, "810101201234");
}

TEST_F(CpsDriverTest, SignatureVerifiesAgainstTheCertificate) {
  insert("cps-demo");
  const Bytes hash = sha256("hcbridge TEST challenge");
  expectError(
      [&] {
        driver_->signWithAuthenticationKey(*connection_, hash, SignatureScheme::RsaPkcs1Sha256);
      },
      Errc::PinRequired, "PIN must be verified");
  driver_->verifyPin(*connection_, SecretBytes(std::string_view("1234")));
  RecordingConnection recording(*connection_);
  const Bytes signature =
      driver_->signWithAuthenticationKey(recording, hash, SignatureScheme::RsaPkcs1Sha256);
  EXPECT_EQ(signature.size(), 256u);
  const auto certificates = driver_->readCertificates(*connection_);
  expectSignatureVerifies(certificates[0].der, hash, signature);
  // The authentication certificate's key, not the signature certificate's.
  ASSERT_EQ(recording.commands.size(), 3u);
  EXPECT_EQ(recording.commands[1], "00 22 41 A4 06 80 01 02 84 01 82");
  EXPECT_EQ(recording.commands[2].substr(0, 59),
            "00 88 00 00 33 30 31 30 0D 06 09 60 86 48 01 65 03 04 02 01");
}

TEST_F(CpsDriverTest, SignatureArguments) {
  insert("cps-demo");
  expectError(
      [&] {
        driver_->signWithAuthenticationKey(*connection_, Bytes(20, 1),
                                           SignatureScheme::RsaPkcs1Sha256);
      },
      Errc::BadRequest, "32 bytes");
  expectError(
      [&] {
        driver_->signWithAuthenticationKey(*connection_, sha256("x"), SignatureScheme::EcdsaSha256);
      },
      Errc::OperationUnsupported);
  EXPECT_EQ(card_->commandCount(), 0u);
}

TEST_F(CpsDriverTest, CardPulledMidReadGivesCardRemovedAndNoModel) {
  for (const std::size_t pullAt : {1u, 2u, 5u, 8u, 12u, 20u}) {
    SCOPED_TRACE(pullAt);
    insert("cps-demo");
    card_->setCommandHook([this, pullAt](std::size_t count) {
      if (count == pullAt) transport_.removeCard(0);
    });
    std::optional<CardModel> model;
    expectError([&] { model = driver_->read(*connection_); }, Errc::CardRemoved);
    EXPECT_FALSE(model);
    card_->setCommandHook(nullptr);
  }
}

TEST_F(CpsDriverTest, GarbageOdf) {
  sim::Profile profile = sim::loadProfile("cps-demo");
  node(profile, {0x5015, 0x5031}).data = fromHex("A4 10 30 04");
  insert(std::move(profile));
  expectError([&] { read(); }, Errc::CardDataInvalid, "ODF (5031)");
}

TEST_F(CpsDriverTest, OdfWithoutCertificates) {
  sim::Profile profile = sim::loadProfile("cps-demo");
  node(profile, {0x5015, 0x5031}).data = fromHex("A0 08 30 06 04 04 3F 00 44 01");
  insert(std::move(profile));
  expectError([&] { read(); }, Errc::CardDataInvalid, "ODF (5031): no certificate directory");
}

TEST_F(CpsDriverTest, OdfPointsToAMissingCdf) {
  sim::Profile profile = sim::loadProfile("cps-demo");
  node(profile, {0x5015, 0x5031}).data = fromHex("A4 0A 30 08 04 06 3F 00 50 15 44 0F");
  insert(std::move(profile));
  expectError([&] { read(); }, Errc::CardDataInvalid,
              "CDF (3F00/5015/440F): no such file (path 3F00/5015/440F)");
}

TEST_F(CpsDriverTest, GarbageCdf) {
  sim::Profile profile = sim::loadProfile("cps-demo");
  Bytes& cdf = node(profile, {0x5015, 0x4404}).data;
  cdf[1] = static_cast<std::uint8_t>(cdf[1] + 1);  // the first entry overruns the next
  insert(std::move(profile));
  expectError([&] { read(); }, Errc::CardDataInvalid, "CDF (3F00/5015/4404)");
}

TEST_F(CpsDriverTest, CertificateRangeOutOfTheFile) {
  sim::Profile profile = sim::loadProfile("cps-demo");
  const Bytes certificate = node(profile, {0x5015, 0x4301}).data;
  // The authentication entry names 4301 from offset 0x7000, 0x100 bytes: beyond the file.
  const auto entry = [](const std::string& label, const std::string& pathHex) {
    return tlv::constructed(
        0x30,
        {tlv::constructed(0x30, {tlv::primitive(0x0C, Bytes(label.begin(), label.end()))}),
         tlv::constructed(0x30, {tlv::primitive(0x04, {0x02})}),
         tlv::constructed(
             0xA1, {tlv::constructed(
                       0x30, {tlv::constructed(0x30, {tlv::primitive(0x04, fromHex(pathHex)),
                                                      tlv::primitive(0x02, {0x70, 0x00}),
                                                      tlv::primitive(0x80, {0x01, 0x00})})})})});
  };
  node(profile, {0x5015, 0x4404}).data =
      tlv::encode(entry(std::string(kAuthenticationLabel), "3F00 5015 4301"));
  insert(std::move(profile));
  expectError([&] { read(); }, Errc::CardDataInvalid,
              "certificate 'Certificat d'Authentification CPS'");
  EXPECT_GT(certificate.size(), 0u);
}

TEST_F(CpsDriverTest, CertificateInAPartOfAFile) {
  sim::Profile profile = sim::loadProfile("cps-demo");
  Bytes certificate = node(profile, {0x5015, 0x4301}).data;
  Bytes file(100, 0xFF);
  file.insert(file.end(), certificate.begin(), certificate.end());
  file.insert(file.end(), 50, 0xFF);
  node(profile, {0x5015, 0x4301}).data = file;
  const Bytes cdf = tlv::encode(tlv::constructed(
      0x30,
      {tlv::constructed(0x30, {tlv::primitive(0x0C, Bytes(kAuthenticationLabel.begin(),
                                                          kAuthenticationLabel.end()))}),
       tlv::constructed(0x30, {tlv::primitive(0x04, {0x02})}),
       tlv::constructed(
           0xA1,
           {tlv::constructed(
               0x30,
               {tlv::constructed(
                   0x30, {tlv::primitive(0x04, fromHex("4301")), tlv::primitive(0x02, {0x64}),
                          tlv::primitive(0x80, {static_cast<std::uint8_t>(certificate.size() >> 8),
                                                static_cast<std::uint8_t>(certificate.size() &
                                                                          0xFF)})})})})}));
  node(profile, {0x5015, 0x4404}).data = cdf;  // a relative path this time
  insert(std::move(profile));
  const PractitionerCard card = read();
  ASSERT_EQ(card.certificates.size(), 1u);
  EXPECT_EQ(card.certificates[0].der, certificate);
  EXPECT_EQ(card.surname, "DURAND-TEST");
}

TEST_F(CpsDriverTest, UnparsableCertificate) {
  sim::Profile profile = sim::loadProfile("cps-demo");
  node(profile, {0x5015, 0x4301}).data = fromHex("30 06 02 01 01 02 01 02");
  insert(std::move(profile));
  expectError([&] { read(); }, Errc::CardDataInvalid,
              "certificate 'Certificat d'Authentification CPS': not a DER X.509 certificate");
}

TEST_F(CpsDriverTest, CertificateLongerThanItsFile) {
  sim::Profile profile = sim::loadProfile("cps-demo");
  Bytes& certificate = node(profile, {0x5015, 0x4301}).data;
  ASSERT_GT(certificate.size(), 100u);
  certificate.erase(certificate.end() - 100, certificate.end());
  insert(std::move(profile));
  expectError([&] { read(); }, Errc::CardDataInvalid,
              "certificate 'Certificat d'Authentification CPS'");
}

TEST_F(CpsDriverTest, Cps4UsesChannelOne) {
  insert(cps4Profile());
  RecordingConnection recording(*connection_);
  const auto model = driver_->read(recording);
  const auto& card = std::get<PractitionerCard>(model);
  EXPECT_EQ(card.generation, "CPS4");
  EXPECT_EQ(card.cardSerial, "99001234");
  EXPECT_EQ(card.nationalId, "810101201234");
  ASSERT_GE(recording.commands.size(), 8u);
  EXPECT_EQ(recording.commands[0], "01 A4 04 0C 08 80 25 00 00 01 FF 01 00");
  EXPECT_EQ(recording.commands[1], "01 A4 00 0C 02 D0 03");
  EXPECT_EQ(recording.commands[2], "01 B0 00 00 00");
  EXPECT_EQ(recording.commands[3], "01 A4 04 0C 0D E8 28 BD 08 0F 80 25 00 00 01 FF 00 10");
  EXPECT_EQ(recording.commands[6], "01 A4 08 0C 04 50 15 44 04");
  for (const auto& command : recording.commands) EXPECT_EQ(command.substr(0, 2), "01");
  // T=1 and 256-byte reads: IAS, SN.ICC (2), PKCS#15 DF, ODF (2), CDF (2), certificate.
  const std::size_t certificateSize = pkiFile("cps-demo-auth.cert.der").size();
  EXPECT_EQ(card_->commandCount(), 1 + 2 + 1 + 2 + 2 + 1 + ceilDiv(certificateSize, 256));
}

TEST_F(CpsDriverTest, Cps4PinThroughVerifyWithoutData) {
  insert(cps4Profile());
  RecordingConnection recording(*connection_);
  PinStatus status = driver_->pinStatus(recording);
  EXPECT_EQ(status.triesLeft, 3);
  EXPECT_EQ(status.maxTries, 3);
  EXPECT_FALSE(status.verified);
  EXPECT_EQ(recording.commands.back(), "01 20 00 01");
  expectPinError([&] { driver_->verifyPin(*connection_, SecretBytes(std::string_view("1111"))); },
                 Errc::PinIncorrect, 2);
  EXPECT_EQ(driver_->pinStatus(*connection_).triesLeft, 2);
  driver_->verifyPin(*connection_, SecretBytes(std::string_view("1234")));
  status = driver_->pinStatus(*connection_);
  EXPECT_TRUE(status.verified);
  EXPECT_EQ(status.triesLeft, 3);
  // Signing on a CPS4 is a documented gap.
  expectError(
      [&] {
        driver_->signWithAuthenticationKey(*connection_, sha256("x"),
                                           SignatureScheme::RsaPkcs1Sha256);
      },
      Errc::OperationUnsupported, "CPS4");
}

TEST_F(CpsDriverTest, Cps4BlockedAndWithoutIasApplication) {
  sim::Profile profile = cps4Profile();
  profile.pins[0].triesLeft = 0;
  insert(std::move(profile));
  EXPECT_TRUE(driver_->pinStatus(*connection_).blocked);
  sim::Profile noIas = cps4Profile();
  noIas.mf.aid.clear();
  insert(std::move(noIas));
  RecordingConnection recording(*connection_);
  expectError([&] { driver_->read(recording); }, Errc::CardDataInvalid, "CPS4 IAS application");
  // The ANS driver's replay: ISD, CPS2ter applet on channel 0, IAS again.
  EXPECT_EQ(
      recording.commands,
      (std::vector<std::string>{
          "01 A4 04 0C 08 80 25 00 00 01 FF 01 00", "01 A4 04 0C 07 A0 00 00 01 51 00 00",
          "00 A4 04 0C 08 80 25 00 00 01 FF 00 02", "01 A4 04 0C 08 80 25 00 00 01 FF 01 00"}));
}

TEST_F(CpsDriverTest, Cps3Contactless) {
  sim::Profile profile = sim::loadProfile("cps-demo");
  profile.atr = fromHex(kCps3ContactlessAtr);
  node(profile, {0x5015}).aid =
      Bytes(std::begin(kPkcs15ContactlessAid), std::end(kPkcs15ContactlessAid));
  insert(std::move(profile));
  const PractitionerCard card = read();
  EXPECT_EQ(card.generation, "CPS3");
  EXPECT_EQ(card.surname, "DURAND-TEST");
  expectError([&] { driver_->pinStatus(*connection_); }, Errc::OperationUnsupported, "no PIN");
  expectError([&] { driver_->verifyPin(*connection_, SecretBytes(std::string_view("1234"))); },
              Errc::OperationUnsupported, "no PIN");
  expectError(
      [&] {
        driver_->signWithAuthenticationKey(*connection_, sha256("x"),
                                           SignatureScheme::RsaPkcs1Sha256);
      },
      Errc::OperationUnsupported);
}

TEST_F(CpsDriverTest, NotACpsAtr) {
  insert("generic");
  expectError([&] { read(); }, Errc::CardUnsupported);
  EXPECT_FALSE(driver_->probe(*connection_));
}

TEST_F(CpsDriverTest, RegistersItsProfiles) {
  const auto names = sim::builtinProfileNames();
  for (const char* name : {"cps-demo", "cps-one-try-left", "cps-blocked"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), name), names.end()) << name;
    const sim::Profile profile = sim::loadProfile(name);
    EXPECT_NE(profile.description.find("TEST"), std::string::npos);
    EXPECT_EQ(variantFromAtr(profile.atr), Variant::Cps3Contact);
    EXPECT_EQ(profile.protocol, Protocol::T0);
    ASSERT_EQ(profile.pins.size(), 1u);
  }
  EXPECT_EQ(sim::loadProfile("cps-demo").pins[0].triesLeft, 3);
  EXPECT_EQ(sim::loadProfile("cps-one-try-left").pins[0].triesLeft, 1);
  EXPECT_EQ(sim::loadProfile("cps-blocked").pins[0].triesLeft, 0);
}

TEST_F(CpsDriverTest, FillsTheTypedIdAndWhoUnblocksThePin) {
  insert("cps-demo");
  const PractitionerCard card = read();
  ASSERT_TRUE(card.professionalId);
  EXPECT_EQ(card.professionalId->idType, "rpps");
  EXPECT_EQ(card.professionalId->id, "10101201234");
  EXPECT_NE(card.pinBlockedHint.find("ANS"), std::string::npos) << card.pinBlockedHint;
}

}  // namespace
}  // namespace hcbridge::drivers::cps
