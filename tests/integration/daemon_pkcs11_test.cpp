// hcbridged with practitioner_pkcs11: the practitioner's key in a SoftHSM2
// token (a token with no PC/SC reader behind it), the same session, tokens
// and assertions as with a card; RSA PKCS#1, RSA-PSS and ECDSA P-256 keys;
// the token leaving; a wrong PIN; and modules that are missing, hang or crash.
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <nlohmann/json.hpp>
#include <thread>

#include "daemon_process.hpp"
#include "event_stream.hpp"
#include "session_client.hpp"

namespace hcbridge::testing {
namespace {

using namespace std::chrono_literals;
using api::testing::fetch;
using api::testing::HttpReply;
using nlohmann::json;
namespace fs = std::filesystem;

const fs::path kPki = HCBRIDGE_TEST_PKI;
constexpr const char* kSoftHsm = "/usr/lib/softhsm/libsofthsm2.so";
constexpr const char* kOrigin = "https://dmp.test.example";
constexpr const char* kNonce = "T3JpZ2luLWJvdW5kIHRva2VuIG5vbmNlIGZvciB0ZXN0cyEh";
// The tokens' user PIN: not the simulated CPS's 1234, which the demo banner prints.
constexpr const char* kPin = "2580";

class DaemonPkcs11Test : public ::testing::Test {
 protected:
  void SetUp() override {
    tokenDir_ = fs::temp_directory_path() /
                ("hcbridge-itest-softhsm-" + std::to_string(::getpid()) + "-" +
                 ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(tokenDir_);
    fs::create_directories(tokenDir_);
  }
  void TearDown() override {
    daemon_.reset();
    ::unsetenv("SOFTHSM2_CONF");
    ::unsetenv("HCBRIDGE_TEST_PKCS11_FAULT_FILE");
    fs::remove_all(tokenDir_);
  }

  // A token "TEST CPS" holding the fixture's key and certificate (or another key).
  void makeToken(const std::string& fixture, const std::string& keyFixture = {}) {
    const std::string key = keyFixture.empty() ? fixture + ".key.pem" : keyFixture;
    const auto made =
        runProcess({HCBRIDGE_SOFTHSM_TOKEN_SCRIPT, tokenDir_.string(), "TEST CPS",
                    (kPki / key).string(), (kPki / (fixture + ".cert.der")).string(), kPin});
    ASSERT_EQ(made.exitCode, 0) << made.out << made.err;
    ::setenv("SOFTHSM2_CONF", (tokenDir_ / "softhsm2.conf").c_str(), 1);
  }

  // hcbridged --simulate (the simulated cards' TEST PKI is trusted) with the module.
  void start(json pkcs11) {
    json config = {{"allowed_origins", {kOrigin}},
                   {"app_origins", {{"itest", kOrigin}}},
                   {"practitioner_pkcs11", std::move(pkcs11)}};
    daemon_ = std::make_unique<DaemonProcess>(DaemonTransport::Simulated, config);
    client_.attach(*daemon_);
    ASSERT_NE(daemon_->port(), 0) << daemon_->output();
    events_ = std::make_unique<EventStream>(daemon_->port(), daemon_->appKeyHeader());
  }

  api::testing::Headers sessionHeaders() const { return client_.headers(); }
  HttpReply post(const std::string& target, const json& body) { return client_.post(target, body); }
  HttpReply openSession(const std::string& pin) { return client_.openSession(pin); }
  HttpReply authenticate() { return client_.authenticate(kNonce); }

  // `hcbridge verify-token` as a record server would run it.
  ProcessResult verifyToken(const json& token) {
    const fs::path file = daemon_->folder() / "token.json";
    std::ofstream(file) << token.dump();
    return runProcess({HCBRIDGE_CLI_PATH, "verify-token", "--token", file.string(), "--origin",
                       kOrigin, "--nonce", kNonce, "--nonce-store",
                       (daemon_->folder() / "nonces").string(), "--ca",
                       (kPki / "root.cert.pem").string(), "--intermediate",
                       (kPki / "intermediate.cert.pem").string(), "--issuer",
                       (kPki / "intermediate.cert.pem").string()});
  }

  void expectTokenVerifiesAs(const std::string& algorithm) {
    const auto token = authenticate();
    ASSERT_EQ(token.status, 200) << token.body;
    EXPECT_EQ(token.json()["algorithm"], algorithm);
    const auto verified = verifyToken(token.json());
    EXPECT_EQ(verified.exitCode, 0) << verified.out << verified.err;
  }

  fs::path tokenDir_;
  std::unique_ptr<DaemonProcess> daemon_;
  std::unique_ptr<EventStream> events_;
  SessionClient client_;
};

TEST_F(DaemonPkcs11Test, ARsaTokenOpensTheSessionSignsAndItsRemovalClosesIt) {
  makeToken("cps-demo-auth");
  start({{"module", kSoftHsm}});
  const auto opened = openSession(kPin);
  ASSERT_EQ(opened.status, 201) << opened.body << daemon_->output();
  EXPECT_EQ(opened.json()["practitioner"]["idType"], "rpps");
  EXPECT_EQ(opened.json()["practitioner"]["id"], "10101201234");
  EXPECT_EQ(opened.json()["algorithm"], "RS256");
  const std::string reader = opened.json()["reader"];
  EXPECT_EQ(reader.rfind("SoftHSM slot", 0), 0u) << reader;
  EXPECT_TRUE(events_->waitFor("practitioner.session.opened", reader)) << events_->history();
  expectTokenVerifiesAs("RS256");
  const auto access = post(
      "/v1/record-access",
      {{"audience", "https://dmp.test.example/api"}, {"nonce", kNonce}, {"purpose", "normal"}});
  ASSERT_EQ(access.status, 200) << access.body;
  // The assertion, as a record server checks it.
  const fs::path assertion = daemon_->folder() / "assertion.jws";
  std::ofstream(assertion) << access.json()["assertion"].get<std::string>();
  const auto verified = runProcess(
      {HCBRIDGE_CLI_PATH, "verify-assertion", "--assertion", assertion.string(), "--audience",
       "https://dmp.test.example/api", "--nonce", kNonce, "--ca", (kPki / "root.cert.pem").string(),
       "--intermediate", (kPki / "intermediate.cert.pem").string(), "--issuer",
       (kPki / "intermediate.cert.pem").string()});
  EXPECT_EQ(verified.exitCode, 0) << verified.out << verified.err;
  EXPECT_NE(verified.out.find("10101201234"), std::string::npos) << verified.out;

  // The token leaves (deleted from the store): the session closes within the presence poll.
  const auto deleted =
      runProcess({"/usr/bin/softhsm2-util", "--delete-token", "--token", "TEST CPS"});
  ASSERT_EQ(deleted.exitCode, 0) << deleted.out << deleted.err;
  const auto closed = events_->waitFor("practitioner.session.closed", reader, 5s);
  ASSERT_TRUE(closed) << events_->history();
  EXPECT_EQ((*closed)["data"]["reason"], "card-removed");
  EXPECT_EQ(codeOf(authenticate()), "practitioner-session-required");
  EXPECT_EQ(daemon_->output().find(kPin), std::string::npos) << "the PIN reached the log";
  EXPECT_EQ(daemon_->terminate(), 0);
}

TEST_F(DaemonPkcs11Test, AWrongPinIsRefusedAndOpensNothing) {
  makeToken("cps-demo-auth");
  start({{"module", kSoftHsm}});
  const auto wrong = openSession("9999");
  EXPECT_EQ(wrong.status, 403) << wrong.body;
  EXPECT_EQ(codeOf(wrong), "pin-incorrect");
  // SoftHSM2 counts no tries; its flags say "count low" after a wrong PIN.
  EXPECT_EQ(wrong.json()["retriesLeft"], 2) << wrong.body;
  EXPECT_EQ(codeOf(authenticate()), "practitioner-session-required");
  // The next attempt waits, as with a card.
  EXPECT_EQ(codeOf(openSession(kPin)), "pin-attempt-too-soon");
  std::this_thread::sleep_for(1100ms);
  EXPECT_EQ(openSession(kPin).status, 201);
}

TEST_F(DaemonPkcs11Test, RsaPssConfiguredSignsPs256) {
  makeToken("cps-demo-auth");
  start({{"module", kSoftHsm}, {"rsa_signature", "pss"}});
  const auto opened = openSession(kPin);
  ASSERT_EQ(opened.status, 201) << opened.body;
  EXPECT_EQ(opened.json()["algorithm"], "PS256");
  expectTokenVerifiesAs("PS256");
}

TEST_F(DaemonPkcs11Test, AnEcTokenSignsEs256) {
  makeToken("cps-ec-auth");
  start({{"module", kSoftHsm}});
  const auto opened = openSession(kPin);
  ASSERT_EQ(opened.status, 201) << opened.body;
  EXPECT_EQ(opened.json()["algorithm"], "ES256");
  expectTokenVerifiesAs("ES256");
}

// An attacker's token: a trusted practitioner's certificate beside another
// key (a copied certificate), or a certificate from a CA under the same
// root that issues no practitioner cards. Neither opens a session.
TEST_F(DaemonPkcs11Test, ACopiedCertificateOrANonPractitionerIssuerOpensNothing) {
  makeToken("cps-demo-auth", "cps-cloned.key.pem");
  start({{"module", kSoftHsm}});
  const auto cloned = openSession(kPin);
  EXPECT_EQ(cloned.status, 403) << cloned.body;
  EXPECT_EQ(codeOf(cloned), "card-signature-invalid");
  EXPECT_EQ(codeOf(authenticate()), "practitioner-session-required");
  daemon_.reset();

  makeToken("staff-auth");
  start({{"module", kSoftHsm}});
  const auto staff = openSession(kPin);
  EXPECT_EQ(staff.status, 403) << staff.body;
  EXPECT_EQ(codeOf(staff), "certificate-untrusted");
}

// A second token (anyone can put a practitioner's public certificate on a
// token of their own): the PIN goes to neither until the caller names one.
TEST_F(DaemonPkcs11Test, WithTwoTokensThePinGoesToNoneUntilOneIsNamed) {
  makeToken("cps-demo-auth");
  const auto second = runProcess({"/usr/bin/softhsm2-util", "--init-token", "--free", "--label",
                                  "OTHER TOKEN", "--pin", "9999", "--so-pin", "12345678"});
  ASSERT_EQ(second.exitCode, 0) << second.out << second.err;
  start({{"module", kSoftHsm}});
  const auto ambiguous = openSession(kPin);
  EXPECT_EQ(ambiguous.status, 400) << ambiguous.body;
  EXPECT_EQ(codeOf(ambiguous), "bad-request");
  const std::string detail = ambiguous.json().value("detail", "");
  EXPECT_NE(detail.find("'TEST CPS'"), std::string::npos) << detail;
  EXPECT_NE(detail.find("'OTHER TOKEN'"), std::string::npos) << detail;
  const auto named = post("/v1/practitioner/session", {{"pin", kPin}, {"reader", "TEST CPS"}});
  EXPECT_EQ(named.status, 201) << named.body;
}

TEST_F(DaemonPkcs11Test, ATokenLabelThatMatchesNoTokenIsCardAbsent) {
  makeToken("cps-demo-auth");
  start({{"module", kSoftHsm}, {"token_label", "OTHER CARD"}});
  const auto refused = openSession(kPin);
  EXPECT_EQ(refused.status, 409) << refused.body;
  EXPECT_EQ(codeOf(refused), "card-absent");
}

TEST_F(DaemonPkcs11Test, AModuleThatDoesNotLoadStopsTheStartWithExit2NamingIt) {
  const fs::path config = tokenDir_ / "config.json";
  std::ofstream(config)
      << json{{"practitioner_pkcs11", {{"module", "/nonexistent/cps.so"}}}}.dump();
  const auto result =
      runProcess({HCBRIDGED_PATH, "--simulate", "--listen", "0", "--config", config.string()});
  EXPECT_EQ(result.exitCode, 2) << result.out << result.err;
  EXPECT_NE(result.err.find("/nonexistent/cps.so"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("pkcs11-module-failed"), std::string::npos) << result.err;

  const auto notAModule = runProcess({HCBRIDGED_PATH, "--simulate", "--listen", "0",
                                      "--pkcs11-module", "/usr/lib/x86_64-linux-gnu/libz.so.1"});
  EXPECT_EQ(notAModule.exitCode, 2) << notAModule.out << notAModule.err;
  EXPECT_NE(notAModule.err.find("is not a PKCS#11 module"), std::string::npos) << notAModule.err;
}

TEST_F(DaemonPkcs11Test, AHangingModuleFailsTypedClosesTheSessionAndTheServiceStaysUp) {
  makeToken("cps-demo-auth");
  const fs::path faultFile = tokenDir_ / "fault";
  ::setenv("HCBRIDGE_TEST_PKCS11_FAULT_FILE", faultFile.c_str(), 1);
  start({{"module", HCBRIDGE_FAULTY_PKCS11}, {"call_timeout_seconds", 3}});
  const auto opened = openSession(kPin);
  ASSERT_EQ(opened.status, 201) << opened.body << daemon_->output();
  const std::string reader = opened.json()["reader"];

  std::ofstream(faultFile) << "hang";  // C_Sign never returns from now on
  auto hanging = std::async(std::launch::async, [this] { return authenticate(); });
  std::this_thread::sleep_for(300ms);
  // Another opening waits for the module's thread, not on the network's:
  // the rest of the API answers while the module hangs.
  auto queued = std::async(std::launch::async, [this] {
    return post("/v1/practitioner/session", {{"pin", kPin}});
  });
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(fetch(daemon_->port(), "GET", "/v1/readers", daemon_->appKeyHeader()).status, 200);
  EXPECT_EQ(hanging.wait_for(0s), std::future_status::timeout)
      << "the readers answered only after the watchdog gave up on the module";
  const auto hung = hanging.get();
  EXPECT_EQ(hung.status, 502) << hung.body;
  EXPECT_EQ(codeOf(hung), "pkcs11-module-failed") << hung.body;
  EXPECT_EQ(codeOf(queued.get()), "pkcs11-module-failed");
  const auto closed = events_->waitFor("practitioner.session.closed", reader, 5s);
  ASSERT_TRUE(closed) << events_->history();
  EXPECT_EQ((*closed)["data"]["reason"], "module-failed");
  // The service answers everything else, and says why sessions fail now.
  EXPECT_EQ(fetch(daemon_->port(), "GET", "/v1/status", daemon_->appKeyHeader()).status, 200);
  client_.forgetToken();
  const auto again = openSession(kPin);
  EXPECT_EQ(codeOf(again), "pkcs11-module-failed") << again.body;
  // It still stops when asked, leaving the hung call behind, and without
  // running the module's finalisers under that call.
  EXPECT_EQ(daemon_->terminate(), 0) << daemon_->output();
  EXPECT_FALSE(fs::exists(faultFile.string() + ".finalised"));
}

TEST_F(DaemonPkcs11Test, AModuleThatCrashesTakesTheServiceDownSayingWhere) {
  makeToken("cps-demo-auth");
  const fs::path faultFile = tokenDir_ / "fault";
  ::setenv("HCBRIDGE_TEST_PKCS11_FAULT_FILE", faultFile.c_str(), 1);
  start({{"module", HCBRIDGE_FAULTY_PKCS11}});
  ASSERT_EQ(openSession(kPin).status, 201) << daemon_->output();
  std::ofstream(faultFile) << "crash";
  try {
    static_cast<void>(authenticate());
  } catch (const std::exception&) {
    // The connection drops with the process.
  }
  EXPECT_EQ(daemon_->process().wait(5s), -1);  // -1: killed by a signal (or still running)
  EXPECT_EQ(daemon_->process().pid(), -1) << "hcbridged still runs";
  const std::string log = daemon_->output();
  EXPECT_NE(log.find("crashed inside the PKCS#11 module " HCBRIDGE_FAULTY_PKCS11 " during C_Sign"),
            std::string::npos)
      << log;
}

}  // namespace
}  // namespace hcbridge::testing
