// hcbridged's command line, config file and the settings resolved from them.
#include "daemon_config.hpp"

#include <gtest/gtest.h>

#include <map>

#include "hcbridge/app_keys.hpp"
#include "hcbridge_test/expect_error.hpp"
#include "support/temp_dir.hpp"

namespace hcbridge::daemon {
namespace {

using hcbridge::testing::expectError;

GetEnv environment(std::map<std::string, std::string> values) {
  return [values = std::move(values)](const char* name) -> std::optional<std::string> {
    auto it = values.find(name);
    if (it == values.end()) return std::nullopt;
    return it->second;
  };
}

FileConfig parse(const std::string& text) {
  return parseConfig(text, "/etc/test.json");
}

TEST(DaemonCommandLine, ReadsEveryOption) {
  const auto line =
      parseCommandLine({"--listen", "9000", "--config=/tmp/c.json", "--simulate", "--allow-origin",
                        "http://a.example", "--allow-origin", "http://b.example"});
  EXPECT_EQ(line.listenPort, 9000);
  EXPECT_EQ(line.configFile, "/tmp/c.json");
  EXPECT_TRUE(line.simulate);
  EXPECT_EQ(line.allowOrigins, (std::vector<std::string>{"http://a.example", "http://b.example"}));
  EXPECT_FALSE(line.help);
  EXPECT_TRUE(parseCommandLine({"--help"}).help);
  EXPECT_EQ(parseCommandLine({"--listen", "0"}).listenPort, 0);
}

TEST(DaemonCommandLine, RefusesWhatItDoesNotKnow) {
  expectError([] { parseCommandLine({"--listen", "http"}); }, Errc::BadRequest, "--listen 'http'");
  expectError([] { parseCommandLine({"--listen", "70000"}); }, Errc::BadRequest, "70000");
  expectError([] { parseCommandLine({"--listen"}); }, Errc::BadRequest, "needs a value");
  expectError([] { parseCommandLine({"--simulated"}); }, Errc::BadRequest, "'--simulated'");
}

TEST(DaemonCommandLine, UsageNamesTheDefaultPort) {
  EXPECT_NE(usage().find("8732"), std::string::npos);
}

TEST(DaemonConfig, ReadsEveryKey) {
  const auto config = parse(R"({
    "listen_port": 9100,
    "allowed_origins": ["https://app.example"],
    "require_practitioner_session": false,
    "app_keys_file": "/k.json",
    "audit_log": "/a.log",
    "serial_key_file": "/s.key",
    "limits": {"max_body_bytes": 100, "max_connections": 7, "header_timeout_ms": 2500,
               "max_json_depth": 4}
  })");
  EXPECT_EQ(config.listenPort, 9100);
  EXPECT_EQ(config.allowedOrigins, std::vector<std::string>{"https://app.example"});
  EXPECT_FALSE(config.requirePractitionerSession);
  EXPECT_EQ(config.appKeysFile, "/k.json");
  EXPECT_EQ(config.auditLog, "/a.log");
  EXPECT_EQ(config.serialKeyFile, "/s.key");
  EXPECT_EQ(config.limits.maxBodyBytes, 100u);
  EXPECT_EQ(config.limits.maxConnections, 7u);
  EXPECT_EQ(config.limits.headerTimeout, std::chrono::milliseconds(2500));
  EXPECT_EQ(config.limits.maxJsonDepth, 4);
  EXPECT_EQ(config.limits.maxHeaderCount, api::Limits{}.maxHeaderCount);
}

TEST(DaemonConfig, AnEmptyObjectKeepsTheDefaults) {
  const auto config = parse("{}");
  EXPECT_FALSE(config.listenPort);
  EXPECT_TRUE(config.requirePractitionerSession);
  EXPECT_TRUE(config.allowedOrigins.empty());
  EXPECT_FALSE(config.auditLog);
}

TEST(DaemonConfig, UnknownKeysAreNamed) {
  expectError([] { parse(R"({"allowed_origin": []})"); }, Errc::BadRequest,
              "unknown key 'allowed_origin'");
  expectError([] { parse(R"({"limits": {"max_body": 1}})"); }, Errc::BadRequest,
              "unknown key 'limits.max_body'");
}

TEST(DaemonConfig, WrongTypesAndBadJsonNameTheFile) {
  expectError([] { parse(R"({"listen_port": "80"})"); }, Errc::BadRequest, "listen_port");
  expectError([] { parse(R"({"listen_port": 65536})"); }, Errc::BadRequest, "listen_port");
  expectError([] { parse(R"({"allowed_origins": "https://a.example"})"); }, Errc::BadRequest,
              "'allowed_origins' has the wrong type");
  expectError([] { parse(R"({"require_practitioner_session": 1})"); }, Errc::BadRequest,
              "require_practitioner_session");
  expectError([] { parse(R"({"limits": {"max_connections": -1}})"); }, Errc::BadRequest,
              "limits.max_connections");
  expectError([] { parse("{"); }, Errc::BadRequest, "/etc/test.json: not valid JSON");
  expectError([] { parse("[]"); }, Errc::BadRequest, "JSON object");
}

TEST(DaemonConfig, AGivenFileMustExistTheDefaultOneNeedNot) {
  testing::TempDir dir;
  expectError([&] { loadConfig(dir / "missing.json"); }, Errc::BadRequest, "missing.json");
  testing::writeFile(dir / "config.json", R"({"listen_port": 1234})");
  EXPECT_EQ(loadConfig(dir / "config.json").listenPort, 1234);
}

TEST(DaemonSettings, CommandLineOverConfigOverDefaults) {
  FileConfig config;
  config.listenPort = 9100;
  config.allowedOrigins = {"https://app.example"};
  CommandLine line;
  auto settings = resolveSettings(line, config, environment({}));
  EXPECT_EQ(settings.port, 9100);
  EXPECT_EQ(settings.appKeysFile, kDefaultAppKeysFile);
  EXPECT_EQ(settings.auditLog, kDefaultAuditLog);
  EXPECT_EQ(settings.serialKeyFile, kDefaultSerialKeyFile);
  EXPECT_EQ(settings.configFile, kDefaultConfigFile);
  EXPECT_FALSE(settings.configFileGiven);

  line.listenPort = 0;
  line.allowOrigins = {"http://localhost:3000"};
  line.configFile = "/tmp/x.json";
  settings = resolveSettings(line, config, environment({}));
  EXPECT_EQ(settings.port, 0);
  EXPECT_EQ(settings.allowedOrigins,
            (std::vector<std::string>{"https://app.example", "http://localhost:3000"}));
  EXPECT_EQ(settings.configAllowedOrigins, std::vector<std::string>{"https://app.example"});
  const auto policy = settings.policy();
  EXPECT_EQ(policy.configPath, "/tmp/x.json");
  EXPECT_EQ(policy.allowedOrigins, settings.allowedOrigins);
  EXPECT_TRUE(policy.requirePractitionerSession);
  EXPECT_EQ(resolveSettings({}, {}, environment({})).port, kDefaultPort);
}

TEST(DaemonSettings, SimulateKeepsStateInAPerUserFolder) {
  CommandLine line;
  line.simulate = true;
  auto settings = resolveSettings(line, {}, environment({{"HOME", "/home/gp"}}));
  EXPECT_EQ(settings.auditLog, "/home/gp/.local/state/hcbridge/audit.log");
  EXPECT_EQ(settings.serialKeyFile, "/home/gp/.local/state/hcbridge/serial.key");
  EXPECT_EQ(settings.appKeysFile, "/home/gp/.local/state/hcbridge/app-keys.json");

  settings =
      resolveSettings(line, {}, environment({{"HOME", "/home/gp"}, {"XDG_STATE_HOME", "/state"}}));
  EXPECT_EQ(settings.auditLog, "/state/hcbridge/audit.log");

  FileConfig config;
  config.auditLog = "/var/log/mine.log";
  settings = resolveSettings(line, config, environment({{"XDG_STATE_HOME", "/state"}}));
  EXPECT_EQ(settings.auditLog, "/var/log/mine.log");
  EXPECT_EQ(settings.serialKeyFile, "/state/hcbridge/serial.key");

  expectError([&] { resolveSettings(line, {}, environment({})); }, Errc::BadRequest, "--simulate");
}

}  // namespace
}  // namespace hcbridge::daemon
