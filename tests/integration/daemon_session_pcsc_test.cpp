// The practitioner session through the real pcscd: hcbridged (no
// --simulate) with cards served through vpcd by this process. PIN handling
// (right, wrong counting down, last try, blocked), certificates refused,
// card removal, Web eID tokens checked by `hcbridge verify-token`, assertions
// checked with plain OpenSSL, the HBA image with a trust override, and the
// audit chain.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "cps_sim_profiles.hpp"
#include "daemon_process.hpp"
#include "event_stream.hpp"
#include "hba_driver.hpp"
#include "hcbridge/sim/gematik_image.hpp"
#include "hcbridge_test/gematik_images.hpp"
#include "pcscd_control.hpp"
#include "session_client.hpp"
#include "sim_fixture.hpp"
#include "vitale_sim_profiles.hpp"

namespace hcbridge::testing {
namespace {

using namespace std::chrono_literals;
using api::testing::fetch;
using api::testing::HttpReply;
using nlohmann::json;
namespace fs = std::filesystem;

const fs::path kPki = HCBRIDGE_TEST_PKI;
const fs::path kImages = HCBRIDGE_GEMATIK_IMAGES;
constexpr const char* kOrigin = "https://dmp.test.example";
// base64 of 33 bytes: above the Web eID minimum of 44 characters.
constexpr const char* kNonce = "T3JpZ2luLWJvdW5kIHRva2VuIG5vbmNlIGZvciB0ZXN0cyEh";
constexpr const char* kOtherNonce = "QW5vdGhlciBub25jZSwgYWxzbyBsb25nIGVub3VnaCBoZXJlIQ";

json cpsTrust() {
  return {{"anchors", {(kPki / "root.cert.pem").string()}},
          {"intermediates", {(kPki / "intermediate.cert.pem").string()}},
          {"crls", {(kPki / "intermediate.crl.pem").string()}}};
}

json vitaleTrust() {
  return {{"anchors", {(kPki / "patient-root.cert.pem").string()}},
          {"intermediates", {(kPki / "vitale-ca.cert.pem").string()}}};
}

Bytes fromBase64Url(std::string text) {
  for (char& c : text) c = c == '-' ? '+' : c == '_' ? '/' : c;
  while (text.size() % 4 != 0) text += '=';
  Bytes out(text.size());
  const int length =
      EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(text.data()),
                      static_cast<int>(text.size()));
  if (length < 0) return {};
  std::size_t padding = 0;
  for (auto it = text.rbegin(); it != text.rend() && *it == '='; ++it) ++padding;
  out.resize(static_cast<std::size_t>(length) - padding);
  return out;
}

class DaemonSessionTest : public PcscIntegrationTest {
 protected:
  void SetUp() override {
    drivers::registerVitaleSimProfiles();
    drivers::registerCpsSimProfiles();
    PcscIntegrationTest::SetUp();
  }

  void start(const std::string& practitionerProfile, json extraConfig = json::object()) {
    insertCard("vitale-family", 0);
    insertCard(practitionerProfile, 1);
    json config = {{"allowed_origins", {kOrigin}},
                   {"practitioner_trust", cpsTrust()},
                   {"patient_card_trust", vitaleTrust()},
                   {"app_origins", {{"itest", kOrigin}}}};
    config.update(extraConfig);
    daemon_ = std::make_unique<DaemonProcess>(DaemonTransport::Pcsc, config);
    client_.attach(*daemon_);
    ASSERT_NE(daemon_->port(), 0);
    events_ = std::make_unique<EventStream>(daemon_->port(), daemon_->appKeyHeader());
    ASSERT_EQ(events_->waitForCardsIn({kReader0, kReader1}).size(), 2u) << events_->history();
  }

  api::testing::Headers sessionHeaders() const { return client_.headers(); }
  HttpReply post(const std::string& target, const json& body) { return client_.post(target, body); }
  HttpReply openSession(const std::string& pin, bool confirmLastTry = false) {
    return client_.openSession(pin, confirmLastTry);
  }
  HttpReply authenticate(const std::string& nonce = kNonce) { return client_.authenticate(nonce); }

  // `hcbridge verify-token` as a record server would run it.
  ProcessResult verifyToken(const json& token, const std::string& origin, const std::string& nonce,
                            const std::vector<std::string>& trust, const fs::path& nonceStore) {
    const fs::path file = daemon_->folder() / "token.json";
    std::ofstream(file) << token.dump();
    std::vector<std::string> argv = {
        HCBRIDGE_CLI_PATH, "verify-token", "--token",       file.string(),      "--origin", origin,
        "--nonce",         nonce,          "--nonce-store", nonceStore.string()};
    argv.insert(argv.end(), trust.begin(), trust.end());
    return runProcess(argv);
  }

  // What another program gets when it asks the practitioner card for a
  // signature with the authentication key without sending the PIN (MSE SET
  // + INTERNAL AUTHENTICATE, docs/cards-french.md): the status word.
  std::uint16_t signWithoutThePin() {
    auto card = transport_->connect(kReader1, ShareMode::Shared);
    const apdu::CommandApdu useAuthenticationKey{
        0x00, 0x22, 0x41, 0xA4, {0x84, 0x01, 0x82, 0x80, 0x01, 0x02}, {}};
    card->transmit(useAuthenticationKey);
    Bytes digestInfo = {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                        0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20};
    digestInfo.resize(digestInfo.size() + 32, 0x5A);
    return card->transmit({0x00, 0x88, 0x00, 0x00, digestInfo, 256}).sw;
  }

  void expectAuditChainIntact() {
    const auto result =
        runProcess({HCBRIDGE_CLI_PATH, "audit", "verify", daemon_->auditLog().string(), "--key",
                    daemon_->auditKeyFile().string()});
    EXPECT_EQ(result.exitCode, 0) << result.out << result.err;
  }

  std::unique_ptr<DaemonProcess> daemon_;
  std::unique_ptr<EventStream> events_;
  SessionClient client_;
};

// The same session tests through each practitioner backend: hcbridge's own
// CPS driver ("native") and Debian's OpenSC PKCS#11 module on the same
// simulated CPS3 ("opensc", practitioner_pkcs11): the API must not tell them apart.
class DaemonSessionBackendTest : public DaemonSessionTest,
                                 public ::testing::WithParamInterface<std::string> {
 protected:
  void startWithBackend(const std::string& practitionerProfile) {
    json extra = json::object();
    if (GetParam() == "opensc") {
      extra["practitioner_pkcs11"] = {{"module", "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so"}};
    }
    start(practitionerProfile, extra);
  }
};

TEST_P(DaemonSessionBackendTest, RightPinOpensTheSessionThenPatientDataTokensAndAssertions) {
  startWithBackend("cps-demo");
  EXPECT_EQ(codeOf(fetch(daemon_->port(), "GET", "/v1/patient-card", sessionHeaders())),
            "practitioner-session-required");

  const auto opened = openSession("1234");
  ASSERT_EQ(opened.status, 201) << opened.body;
  EXPECT_EQ(opened.json()["practitioner"]["idType"], "rpps");
  EXPECT_EQ(opened.json()["practitioner"]["id"], "10101201234");
  EXPECT_EQ(opened.json()["certificate"]["revocationChecked"], true);
  EXPECT_TRUE(events_->waitFor("practitioner.session.opened", kReader1)) << events_->history();

  const auto patient = fetch(daemon_->port(), "GET", "/v1/patient-card", sessionHeaders());
  ASSERT_EQ(patient.status, 200) << patient.body;
  EXPECT_TRUE(patient.json().contains("authenticity")) << patient.body;

  // The token is bound to the app's configured origin and the nonce.
  const auto token = authenticate();
  ASSERT_EQ(token.status, 200) << token.body;
  EXPECT_EQ(token.json()["format"], "web-eid:1.0");
  EXPECT_EQ(token.json()["algorithm"], "RS256");
  const std::vector<std::string> trust = {
      "--ca",           (kPki / "root.cert.pem").string(),
      "--intermediate", (kPki / "intermediate.cert.pem").string(),
      "--issuer",       (kPki / "intermediate.cert.pem").string(),
      "--crl",          (kPki / "intermediate.crl.pem").string()};
  const fs::path store = daemon_->folder() / "nonces";
  const auto otherOrigin = verifyToken(token.json(), "https://other.example", kNonce, trust, store);
  EXPECT_EQ(otherOrigin.exitCode, 1) << otherOrigin.out << otherOrigin.err;
  const auto right = verifyToken(token.json(), kOrigin, kNonce, trust, store);
  EXPECT_EQ(right.exitCode, 0) << right.out << right.err;
  const auto replayed = verifyToken(token.json(), kOrigin, kNonce, trust, store);
  EXPECT_EQ(replayed.exitCode, 1) << replayed.out << replayed.err;
  EXPECT_NE(replayed.err.find("nonce-replayed") + replayed.out.find("nonce-replayed"),
            2 * std::string::npos)
      << replayed.out << replayed.err;

  // The assertion: its signature checks with plain OpenSSL and the x5c certificate.
  const auto access = post("/v1/record-access", {{"audience", "https://dmp.test.example/api"},
                                                 {"nonce", kOtherNonce},
                                                 {"purpose", "normal"}});
  ASSERT_EQ(access.status, 200) << access.body;
  const std::string jws = access.json()["assertion"];
  const auto firstDot = jws.find('.');
  const auto secondDot = jws.find('.', firstDot + 1);
  ASSERT_NE(secondDot, std::string::npos);
  const json header = json::parse(fromBase64Url(jws.substr(0, firstDot)));
  const json claims =
      json::parse(fromBase64Url(jws.substr(firstDot + 1, secondDot - firstDot - 1)));
  EXPECT_EQ(header["alg"], "RS256");
  EXPECT_EQ(claims["patient"]["idType"], "nir-card");
  EXPECT_EQ(claims["aud"], "https://dmp.test.example/api");
  EXPECT_EQ(claims["exp"].get<long>() - claims["iat"].get<long>(), 300);
  const std::string certificateB64 = header["x5c"][0];
  Bytes der(certificateB64.size());
  der.resize(static_cast<std::size_t>(
      EVP_DecodeBlock(der.data(), reinterpret_cast<const unsigned char*>(certificateB64.data()),
                      static_cast<int>(certificateB64.size()))));
  const unsigned char* cursor = der.data();
  X509* certificate = d2i_X509(nullptr, &cursor, static_cast<long>(der.size()));
  ASSERT_NE(certificate, nullptr);
  EVP_PKEY* key = X509_get0_pubkey(certificate);
  EVP_MD_CTX* context = EVP_MD_CTX_new();
  const Bytes signature = fromBase64Url(jws.substr(secondDot + 1));
  const std::string signedPart = jws.substr(0, secondDot);
  ASSERT_EQ(EVP_DigestVerifyInit(context, nullptr, EVP_sha256(), nullptr, key), 1);
  EXPECT_EQ(EVP_DigestVerify(context, signature.data(), signature.size(),
                             reinterpret_cast<const unsigned char*>(signedPart.data()),
                             signedPart.size()),
            1);
  EVP_MD_CTX_free(context);
  X509_free(certificate);

  const auto closed =
      fetch(daemon_->port(), "DELETE", "/v1/practitioner/session", sessionHeaders());
  EXPECT_EQ(closed.status, 200) << closed.body;
  EXPECT_EQ(codeOf(authenticate()), "practitioner-session-required");
  // The card forgot the PIN with the session: another program gets no signature.
  std::this_thread::sleep_for(200ms);  // the reset runs behind the answer
  EXPECT_EQ(signWithoutThePin(), 0x6982);
  expectAuditChainIntact();
  const std::string audit = [&] {
    std::ifstream in(daemon_->auditLog());
    return std::string(std::istreambuf_iterator<char>(in), {});
  }();
  EXPECT_NE(audit.find("record-access.issue"), std::string::npos);
  EXPECT_EQ(audit.find("\"pin\""), std::string::npos) << "a PIN field reached the audit log";
  EXPECT_EQ(daemon_->terminate(), 0);
}

TEST_P(DaemonSessionBackendTest, WrongPinCountsDownThenTheLastTryNeedsConfirmation) {
  startWithBackend("cps-demo");
  auto wrong = openSession("9999");
  EXPECT_EQ(wrong.status, 403);
  EXPECT_EQ(codeOf(wrong), "pin-incorrect");
  EXPECT_EQ(wrong.json()["retriesLeft"], 2);
  // The next attempt waits: 1 s after the first wrong PIN, 5 s after the second.
  const auto tooSoon = openSession("97531");
  EXPECT_EQ(tooSoon.status, 429) << tooSoon.body;
  EXPECT_EQ(codeOf(tooSoon), "pin-attempt-too-soon");
  EXPECT_EQ(tooSoon.header("Retry-After"), "1");
  std::this_thread::sleep_for(1100ms);
  wrong = openSession("97531");
  EXPECT_EQ(wrong.json()["retriesLeft"], 1) << wrong.body;
  // One try left: the service refuses to send the PIN without confirmation.
  const auto unconfirmed = openSession("1234");
  EXPECT_EQ(unconfirmed.status, 428) << unconfirmed.body;
  EXPECT_EQ(codeOf(unconfirmed), "pin-last-try");
  EXPECT_EQ(unconfirmed.json()["retriesLeft"], 1);
  std::this_thread::sleep_for(5100ms);
  const auto confirmed = openSession("1234", true);
  EXPECT_EQ(confirmed.status, 201) << confirmed.body;
  // The wrong PINs appear nowhere: not in the log, not in the audit log.
  std::ifstream auditFile(daemon_->auditLog());
  const std::string audit(std::istreambuf_iterator<char>(auditFile), {});
  for (const char* pin : {"9999", "97531"}) {
    EXPECT_EQ(daemon_->output().find(pin), std::string::npos) << pin;
    EXPECT_EQ(audit.find(pin), std::string::npos) << pin;
  }
  expectAuditChainIntact();
}

TEST_P(DaemonSessionBackendTest, StoppingTheServiceLeavesNoVerifiedPinOnTheCard) {
  startWithBackend("cps-demo");
  ASSERT_EQ(openSession("1234").status, 201);
  EXPECT_EQ(daemon_->terminate(), 0) << daemon_->output();
  EXPECT_EQ(signWithoutThePin(), 0x6982);
}

// pcscd killed and started again under an open session: the session ends
// (the cards may have been reset with it), and a new one opens once the
// cards are back -- through OpenSC too, which must find its readers again.
TEST_P(DaemonSessionBackendTest, PcscdRestartedEndsTheSessionAndANewOneOpensAfterwards) {
  startWithBackend("cps-demo");
  ASSERT_EQ(openSession("1234").status, 201);
  pcscd().restart();
  const auto closed = events_->waitFor("practitioner.session.closed");
  ASSERT_TRUE(closed) << events_->history();
  EXPECT_EQ((*closed)["data"]["reason"], "service-lost");
  EXPECT_TRUE(events_->waitFor("service.restored")) << events_->history();
  EXPECT_EQ(events_->waitForCardsIn({kReader0, kReader1}).size(), 2u) << events_->history();
  EXPECT_EQ(codeOf(authenticate()), "practitioner-session-required");
  client_.forgetToken();
  const auto reopened = openSession("1234");
  EXPECT_EQ(reopened.status, 201) << reopened.body << daemon_->output();
  const auto token = authenticate();
  EXPECT_EQ(token.status, 200) << token.body;
  EXPECT_EQ(daemon_->terminate(), 0) << daemon_->output();
}

TEST_P(DaemonSessionBackendTest, ABlockedCardSaysWhatToDo) {
  startWithBackend("cps-blocked");
  const auto blocked = openSession("1234");
  EXPECT_EQ(blocked.status, 403) << blocked.body;
  EXPECT_EQ(codeOf(blocked), "pin-blocked");
  EXPECT_NE(blocked.json()["detail"].get<std::string>().find("PUK"), std::string::npos);
}

TEST_P(DaemonSessionBackendTest, RemovingThePractitionerCardClosesTheSession) {
  startWithBackend("cps-demo");
  ASSERT_EQ(openSession("1234").status, 201);
  removeCard(1);
  const auto closed = events_->waitFor("practitioner.session.closed", kReader1);
  ASSERT_TRUE(closed) << events_->history();
  EXPECT_EQ((*closed)["data"]["reason"], "card-removed");
  EXPECT_EQ(codeOf(authenticate()), "practitioner-session-required");
  EXPECT_EQ(codeOf(fetch(daemon_->port(), "GET", "/v1/patient-card", sessionHeaders())),
            "practitioner-session-required");
}

INSTANTIATE_TEST_SUITE_P(Backends, DaemonSessionBackendTest, ::testing::Values("native", "opensc"),
                         [](const auto& instance) { return instance.param; });

struct RefusedCard {
  const char* profile;
  const char* code;
};

class DaemonRefusedCardTest : public DaemonSessionTest,
                              public ::testing::WithParamInterface<RefusedCard> {};

TEST_P(DaemonRefusedCardTest, IsRefusedWithItsOwnProblemAndNoSession) {
  start(GetParam().profile);
  const auto refused = openSession("1234");
  EXPECT_EQ(refused.status, 403) << refused.body;
  EXPECT_EQ(codeOf(refused), GetParam().code) << refused.body;
  EXPECT_EQ(codeOf(authenticate()), "practitioner-session-required");
}

INSTANTIATE_TEST_SUITE_P(Certificates, DaemonRefusedCardTest,
                         ::testing::Values(RefusedCard{"cps-expired", "certificate-expired"},
                                           RefusedCard{"cps-revoked", "certificate-revoked"},
                                           RefusedCard{"cps-wrong-ca", "certificate-untrusted"},
                                           RefusedCard{"cps-wrong-usage", "certificate-key-usage"},
                                           RefusedCard{"cps-cloned", "card-signature-invalid"}),
                         [](const auto& instance) {
                           std::string name = instance.param.profile;
                           std::erase(name, '-');
                           return name;
                         });

// The HBA image's CA is not published and its certificates expired: the
// test trusts the card's own certificate (partial-chain override) at a
// pinned time inside its validity.
TEST_F(DaemonSessionTest, HbaImageWithATrustOverrideAndAPinnedTime) {
  HCBRIDGE_SKIP_WITHOUT_GEMATIK_IMAGES();
  insertCard("vitale-family", 0);
  insertCard((kImages / "HBA_G2_1_80276883110000205690_gema5.xml").string(), 1);
  Bytes certificate;
  {
    auto connection = transport_->connect(kReader1, ShareMode::Shared);
    certificate = drivers::makeHbaDriver()->readCertificates(*connection).front().der;
  }
  const fs::path pem = fs::temp_directory_path() / "hcbridge-itest-hba-aut.pem";
  {
    const unsigned char* cursor = certificate.data();
    X509* x509 = d2i_X509(nullptr, &cursor, static_cast<long>(certificate.size()));
    ASSERT_NE(x509, nullptr);
    FILE* out = std::fopen(pem.c_str(), "w");
    ASSERT_NE(out, nullptr);
    PEM_write_X509(out, x509);
    std::fclose(out);
    X509_free(x509);
  }
  json config = {{"allowed_origins", {kOrigin}},
                 {"practitioner_trust", {{"anchors", {pem.string()}}}},
                 {"verification_time", "2019-06-01T00:00:00Z"},
                 {"app_origins", {{"itest", kOrigin}}}};
  daemon_ = std::make_unique<DaemonProcess>(DaemonTransport::Pcsc, config);
  client_.attach(*daemon_);
  ASSERT_NE(daemon_->port(), 0);
  events_ = std::make_unique<EventStream>(daemon_->port(), daemon_->appKeyHeader());
  ASSERT_EQ(events_->waitForCardsIn({kReader0, kReader1}).size(), 2u) << events_->history();

  const auto opened = openSession("123456");
  ASSERT_EQ(opened.status, 201) << opened.body;
  EXPECT_EQ(opened.json()["algorithm"], "ES256");
  EXPECT_EQ(opened.json()["practitioner"]["cardType"], "hba");
  const auto token = authenticate();
  ASSERT_EQ(token.status, 200) << token.body;
  EXPECT_EQ(token.json()["algorithm"], "ES256");
  const auto verified = verifyToken(token.json(), kOrigin, kNonce,
                                    {"--ca", pem.string(), "--issuer", pem.string(), "--at",
                                     "2019-06-01T00:00:00Z"},
                                    daemon_->folder() / "nonces");
  EXPECT_EQ(verified.exitCode, 0) << verified.out << verified.err;
  fs::remove(pem);
  expectAuditChainIntact();
}

}  // namespace
}  // namespace hcbridge::testing
