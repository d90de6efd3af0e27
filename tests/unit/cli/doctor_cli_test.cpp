// hcbridge doctor, run as the built program on configs that are broken in one
// way each: every diagnosis names the fault. The checks that need pcscd or
// the installed package run in scripts/package-test.sh.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "cli_test_support.hpp"
#include "support/temp_dir.hpp"

namespace hcbridge::testing {
namespace {

using nlohmann::json;

// The doctor's JSON report for `config`, with its exit code.
struct DoctorRun {
  int exitCode = -1;
  json report;

  // The first result of `check`; a test failure when there is none.
  json result(const std::string& check) const {
    for (const auto& item : report["checks"]) {
      if (item["check"] == check) return item;
    }
    ADD_FAILURE() << "no check '" << check << "' in " << report.dump(2);
    return json::object();
  }
};

DoctorRun doctor(const std::filesystem::path& config) {
  const auto result = cli({"doctor", "--json", "--config", config.string()});
  DoctorRun run{result.exitCode, json::parse(result.out, nullptr, false)};
  EXPECT_FALSE(run.report.is_discarded()) << result.out << result.err;
  return run;
}

bool has(const json& result, const std::string& status, const std::string& part) {
  return result.value("status", "") == status && contains(result.value("message", ""), part);
}

// A listening socket on a free loopback port, held by this test process.
class Listener {
 public:
  Listener() : fd_(socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof address;
    EXPECT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&address), size), 0);
    EXPECT_EQ(listen(fd_, 1), 0);
    getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &size);
    port_ = ntohs(address.sin_port);
  }
  ~Listener() { close(fd_); }
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;
  std::uint16_t port() const { return port_; }

 private:
  int fd_;
  std::uint16_t port_ = 0;
};

TEST(DoctorCli, ABrokenConfigFailsNamingFileLineAndReason) {
  TempDir dir;
  writeFile(dir / "config.json", "{\n  \"listen_port\": 18733,\n  \"listen_prot\": 1\n}\n");
  const auto run = doctor(dir / "config.json");
  EXPECT_EQ(run.exitCode, 1);
  const json config = run.result("config");
  EXPECT_TRUE(
      has(config, "FAIL",
          "config " + (dir / "config.json").string() + " line 3: unknown key 'listen_prot'"))
      << config;
  EXPECT_FALSE(config.value("fix", "").empty());
  EXPECT_TRUE(has(run.result("origins"), "WARN", "not checked: the config is broken"));
}

TEST(DoctorCli, APortHeldByAnotherProgramIsNamed) {
  TempDir dir;
  Listener listener;
  writeFile(dir / "config.json", "{\"listen_port\": " + std::to_string(listener.port()) + "}");
  const auto run = doctor(dir / "config.json");
  EXPECT_EQ(run.exitCode, 1);
  EXPECT_TRUE(has(run.result("config"), "OK", "is valid")) << run.result("config");
  const json port = run.result("port");
  EXPECT_TRUE(
      has(port, "FAIL",
          "is held by cli_unit_tests (pid " + std::to_string(getpid()) + "), not hcbridged"))
      << port;
  EXPECT_TRUE(has(run.result("service"), "FAIL", std::to_string(listener.port()))) << run.report;
}

TEST(DoctorCli, TrustAnchorsMustExistAndBeCurrent) {
  TempDir dir;
  const std::string pki = HCBRIDGE_PKI_DIR;
  writeFile(dir / "current.json",
            "{\"listen_port\": 18734, \"practitioner_trust\": {\"anchors\": [\"" + pki +
                "/root.cert.pem\"], \"crls\": [\"" + pki + "/intermediate.crl.pem\"]}}");
  EXPECT_TRUE(
      has(doctor(dir / "current.json").result("trust"), "OK", "practitioner_trust: 2 files"));

  writeFile(dir / "expired.json",
            "{\"listen_port\": 18734, \"practitioner_trust\": {\"anchors\": [\"" + pki +
                "/cps-expired-auth.cert.pem\"]}}");
  const auto expired = doctor(dir / "expired.json");
  EXPECT_EQ(expired.exitCode, 1);
  EXPECT_TRUE(has(expired.result("trust"), "FAIL", "expired on 2018-01-01"))
      << expired.result("trust");

  writeFile(dir / "missing.json",
            "{\"listen_port\": 18734, \"practitioner_trust\": {\"anchors\": [\"" +
                (dir / "nowhere.pem").string() + "\"]}}");
  EXPECT_TRUE(has(doctor(dir / "missing.json").result("trust"), "FAIL", "nowhere.pem"));
}

// Issue 14: without issuers, any certificate under the anchors (a patient
// card's) could open a practitioner session.
TEST(DoctorCli, PractitionerTrustWithoutIssuersIsAWarning) {
  TempDir dir;
  const std::string pki = HCBRIDGE_PKI_DIR;
  const auto issuerWarning = [](const json& report) {
    for (const auto& item : report["checks"]) {
      if (item["check"] == "trust" && has(item, "WARN", "practitioner_trust has no issuers")) {
        return true;
      }
    }
    return false;
  };
  writeFile(dir / "open.json",
            "{\"listen_port\": 18734, \"practitioner_trust\": {\"anchors\": [\"" + pki +
                "/root.cert.pem\"]}}");
  EXPECT_TRUE(issuerWarning(doctor(dir / "open.json").report));
  writeFile(dir / "issuers.json",
            "{\"listen_port\": 18734, \"practitioner_trust\": {\"anchors\": [\"" + pki +
                "/root.cert.pem\"], \"issuers\": [\"" + pki + "/intermediate.cert.pem\"]}}");
  const auto configured = doctor(dir / "issuers.json");
  EXPECT_FALSE(issuerWarning(configured.report)) << configured.report.dump(2);
  // The issuer file is checked for expiry like the anchor.
  EXPECT_TRUE(has(configured.result("trust"), "OK", "practitioner_trust: 2 files"))
      << configured.result("trust");
}

TEST(DoctorCli, OriginsAndPathsTheServiceCannotUseAreReported) {
  TempDir dir;
  writeFile(dir / "http.json",
            R"({"listen_port": 18734, "allowed_origins": ["http://records.intranet"]})");
  EXPECT_TRUE(has(doctor(dir / "http.json").result("origins"), "WARN", "plain http"));
  // A host that only begins like a loopback name is not one.
  writeFile(dir / "lookalike.json",
            R"({"listen_port": 18734, "allowed_origins": ["http://localhost.intranet"]})");
  EXPECT_TRUE(has(doctor(dir / "lookalike.json").result("origins"), "WARN", "plain http"));
  writeFile(dir / "loopback.json",
            R"({"listen_port": 18734, "allowed_origins": ["http://localhost:8733"]})");
  EXPECT_TRUE(has(doctor(dir / "loopback.json").result("origins"), "OK", "well-formed"));

  writeFile(dir / "home.json", R"({"listen_port": 18734, "audit_log": "/home/it/audit.log"})");
  EXPECT_TRUE(has(doctor(dir / "home.json").result("config"), "FAIL",
                  "/home/it/audit.log, outside the folders the service may write"));
}

TEST(DoctorCli, TextOutputHasOneStatusWordPerLineAndTheFix) {
  TempDir dir;
  writeFile(dir / "config.json", "{\"listen_port\": \"x\"}");
  const auto result = cli({"doctor", "--config", (dir / "config.json").string()});
  EXPECT_EQ(result.exitCode, 1);
  EXPECT_TRUE(contains(result.out, "FAIL  config   config ")) << result.out;
  EXPECT_TRUE(contains(result.out, "      fix: edit that line")) << result.out;
  EXPECT_TRUE(contains(result.out, " failed, ")) << result.out;
}

}  // namespace
}  // namespace hcbridge::testing
