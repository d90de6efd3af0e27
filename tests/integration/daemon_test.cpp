// hcbridged --simulate as a real process: start line, application keys and
// SIGHUP, the audit log, SIGTERM. Needs no pcscd.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "daemon_process.hpp"
#include "hcbridge/app_keys.hpp"

namespace hcbridge::testing {
namespace {

using namespace std::chrono_literals;
using api::testing::fetch;
using api::testing::Headers;

const std::string kOrigin = "http://itest.example";

int getStatus(std::uint16_t port, const std::string& target, const Headers& headers) {
  return fetch(port, "GET", target, headers).status;
}

// Polls until `target` answers 200 (a SIGHUP is applied asynchronously).
int statusOnceApplied(std::uint16_t port, const Headers& headers) {
  int status = 0;
  for (int i = 0; i < 100 && status != 200; ++i) {
    std::this_thread::sleep_for(20ms);
    status = getStatus(port, "/v1/status", headers);
  }
  return status;
}

TEST(DaemonTest, SimulateServesTheDemoReadersAndStopsOnSigterm) {
  DaemonProcess daemon(DaemonTransport::Simulated, {}, {"--allow-origin", kOrigin});
  ASSERT_NE(daemon.port(), 0);

  const auto readers = fetch(daemon.port(), "GET", "/v1/readers", {{"Origin", kOrigin}});
  ASSERT_EQ(readers.status, 200) << readers.body;
  const auto json = readers.json();
  ASSERT_EQ(json["readers"].size(), 2u);
  EXPECT_EQ(json["readers"][0]["cardType"], "vitale");
  EXPECT_EQ(json["readers"][1]["cardType"], "cps");

  EXPECT_EQ(getStatus(daemon.port(), "/v1/readers", {{"Origin", "https://evil.example"}}), 403);
  EXPECT_EQ(getStatus(daemon.port(), "/v1/status", {}), 401);
  EXPECT_EQ(
      getStatus(daemon.port(), "/v1/readers", {{"Authorization", "Bearer " + daemon.demoKey()}}),
      200);

  EXPECT_EQ(daemon.terminate(), 0);
}

TEST(DaemonTest, AnAppKeyAddedBeforeSighupIsAcceptedAndReadsAreAudited) {
  const nlohmann::json config = {{"require_practitioner_session", false}};
  DaemonProcess daemon(DaemonTransport::Simulated, config);
  ASSERT_NE(daemon.port(), 0);

  auto store = AppKeyStore::open(daemon.appKeysFile());
  const Headers bearer = {{"Authorization", "Bearer " + store.add("later")}};
  EXPECT_EQ(getStatus(daemon.port(), "/v1/status", bearer), 401);  // not loaded yet
  daemon.process().signal(SIGHUP);
  EXPECT_EQ(statusOnceApplied(daemon.port(), bearer), 200);

  // SIGHUP also applies the config's new allowed origins.
  const Headers added = {{"Origin", "http://added.example"}};
  EXPECT_EQ(getStatus(daemon.port(), "/v1/status", added), 403);
  daemon.writeConfig(
      {{"allowed_origins", {"http://added.example"}}, {"require_practitioner_session", false}});
  daemon.process().signal(SIGHUP);
  EXPECT_EQ(statusOnceApplied(daemon.port(), added), 200);

  const auto patient = fetch(daemon.port(), "GET", "/v1/patient-card", bearer);
  EXPECT_EQ(patient.status, 200) << patient.body;
  std::ifstream auditFile(daemon.auditLog());
  std::string line;
  ASSERT_TRUE(std::getline(auditFile, line));
  const auto record = nlohmann::json::parse(line);
  EXPECT_EQ(record["caller"], "app later");
  EXPECT_EQ(record["outcome"], "ok");

  EXPECT_EQ(daemon.terminate(), 0);
}

TEST(DaemonTest, AnInvalidConfigIsRefusedAtStartNamingFileLineAndReason) {
  const auto folder =
      std::filesystem::temp_directory_path() / ("hcbridged-badconfig-" + std::to_string(getpid()));
  std::filesystem::create_directories(folder);
  const auto file = folder / "config.json";
  std::ofstream(file) << "{\n  \"listen_port\": 0,\n  \"listen_prot\": 1\n}\n";
  const auto result = runProcess({HCBRIDGED_PATH, "--simulate", "--config", file.string()});
  std::filesystem::remove_all(folder);
  EXPECT_EQ(result.exitCode, 2);
  EXPECT_NE(result.err.find("config " + file.string() + " line 3: unknown key 'listen_prot'"),
            std::string::npos)
      << result.err;
  EXPECT_EQ(result.out.find("listening"), std::string::npos) << result.out;
}

// issue 14: "--allow-origin null" started a service that admitted every
// sandboxed iframe (Origin: null). Now it is exit 2 before anything opens.
TEST(DaemonTest, AnAllowedOriginThatIsNotAnOriginIsExit2) {
  for (const char* origin : {"null", "https://a.example/x", "*"}) {
    const auto result =
        runProcess({HCBRIDGED_PATH, "--simulate", "--listen", "0", "--allow-origin", origin});
    EXPECT_EQ(result.exitCode, 2) << origin;
    EXPECT_NE(result.err.find(std::string("--allow-origin: The origin '") + origin + "'"),
              std::string::npos)
        << result.err;
    EXPECT_EQ(result.out.find("listening"), std::string::npos) << result.out;
  }
}

TEST(DaemonTest, ASighupWithAnInvalidConfigKeepsTheRunningOneAndSaysWhy) {
  const nlohmann::json config = {{"allowed_origins", {"http://kept.example"}}};
  DaemonProcess daemon(DaemonTransport::Simulated, config);
  ASSERT_NE(daemon.port(), 0);
  const Headers kept = {{"Origin", "http://kept.example"}};
  EXPECT_NE(getStatus(daemon.port(), "/v1/readers", kept), 403);

  std::ofstream(daemon.configFile()) << "{\n\"allowed_origins\": [\"not an origin\"]\n}\n";
  daemon.process().signal(SIGHUP);
  const std::string expected =
      "sighup: config refused, the running config stays in force: config " +
      daemon.configFile().string() + " line 2: 'allowed_origins'";
  std::string output;
  for (int i = 0; i < 100 && output.find(expected) == std::string::npos; ++i) {
    std::this_thread::sleep_for(20ms);
    output = daemon.output();
  }
  EXPECT_NE(output.find(expected), std::string::npos) << output;
  EXPECT_NE(getStatus(daemon.port(), "/v1/readers", kept), 403);  // old origins still allowed
  EXPECT_EQ(daemon.terminate(), 0);
}

// Waits until the service's output holds `part` (log lines arrive asynchronously).
std::string outputWith(DaemonProcess& daemon, const std::string& part) {
  std::string output;
  for (int i = 0; i < 100 && output.find(part) == std::string::npos; ++i) {
    std::this_thread::sleep_for(20ms);
    output = daemon.output();
  }
  return output;
}

TEST(DaemonTest, PlainHttpOriginsNoBrowserLetsThroughAreWarnedAtStartAndOnSighup) {
  const auto warning = [](const std::string& origin) {
    return "warning: allowed_origins entry '" + origin +
           "': a page on plain http from a non-local origin can never reach hcbridged in "
           "Chrome 142+/Firefox 153+: serve it over https";
  };
  const nlohmann::json config = {
      {"allowed_origins",
       {"http://intranet.clinic", "http://localhost:8733", "https://dmp.example.fr"}}};
  DaemonProcess daemon(DaemonTransport::Simulated, config);
  ASSERT_NE(daemon.port(), 0);
  std::string output = outputWith(daemon, warning("http://intranet.clinic"));
  EXPECT_NE(output.find(warning("http://intranet.clinic")), std::string::npos) << output;
  EXPECT_EQ(output.find("entry 'http://localhost:8733'"), std::string::npos) << output;
  EXPECT_EQ(output.find("entry 'https://dmp.example.fr'"), std::string::npos) << output;

  daemon.writeConfig({{"allowed_origins", {"http://records.intranet"}}});
  daemon.process().signal(SIGHUP);
  output = outputWith(daemon, warning("http://records.intranet"));
  EXPECT_NE(output.find(warning("http://records.intranet")), std::string::npos) << output;
  EXPECT_EQ(daemon.terminate(), 0);
}

}  // namespace
}  // namespace hcbridge::testing
