// hcbridged's config file and the settings resolved from it and the command
// line (the command line itself: daemon_options_test.cpp).
#include "daemon_config.hpp"

#include <gtest/gtest.h>

#include <map>

#include "config_location.hpp"
#include "hcbridge/app_keys.hpp"
#include "hcbridge_test/expect_error.hpp"
#include "support/temp_dir.hpp"

namespace hcbridge::daemon {
namespace {

using hcbridge::testing::expectError;
namespace fs = std::filesystem;

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

TEST(DaemonConfig, ReadsThePerCallerCapAndTheWebSocketIdleTimeout) {
  const auto config =
      parse(R"({"limits": {"max_connections_per_caller": 3, "websocket_idle_timeout_ms": 500}})");
  EXPECT_EQ(config.limits.maxConnectionsPerCaller, 3u);
  EXPECT_EQ(config.limits.webSocketIdleTimeout, std::chrono::milliseconds(500));
  EXPECT_EQ(parse("{}").limits.maxConnectionsPerCaller, 16u);
  EXPECT_EQ(parse("{}").limits.webSocketIdleTimeout, std::chrono::seconds(60));
  // 0 would refuse every caller, or close every WebSocket at once.
  expectError([] { parse(R"({"limits": {"max_connections_per_caller": 0}})"); }, Errc::BadRequest,
              "'limits.max_connections_per_caller' must be a count");
  expectError([] { parse(R"({"limits": {"websocket_idle_timeout_ms": 0}})"); }, Errc::BadRequest,
              "'limits.websocket_idle_timeout_ms' must be a count");
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
  expectError([] { parse("{"); }, Errc::BadRequest, "/etc/test.json line 1: not valid JSON");
  expectError([] { parse("[]"); }, Errc::BadRequest, "JSON object");
  expectError([] { parse(R"({"listen_port": 1e400})"); }, Errc::BadRequest,
              "config /etc/test.json: not valid JSON: number overflow");
}

TEST(DaemonConfig, CardAbsentAccessIsPinUnlessSaidOtherwise) {
  EXPECT_EQ(parse("{}").cardAbsentAccess, CardAbsentAccess::Pin);
  EXPECT_EQ(parse(R"({"card_absent_access": "pin"})").cardAbsentAccess, CardAbsentAccess::Pin);
  EXPECT_EQ(parse(R"({"card_absent_access": "session"})").cardAbsentAccess,
            CardAbsentAccess::Session);
  EXPECT_EQ(parse(R"({"card_absent_access": "deny"})").cardAbsentAccess, CardAbsentAccess::Deny);
  for (const std::string value : {"\"PIN\"", "\"\"", "\"never\"", "true", "1", "null"}) {
    SCOPED_TRACE(value);
    expectError([&] { parse(R"({"card_absent_access": )" + value + "}"); }, Errc::BadRequest,
                "card_absent_access");
  }
  expectError([] { parse("{\n  \"card_absent_access\": \"always\"\n}"); }, Errc::BadRequest,
              " line 2: 'card_absent_access' must be \"pin\"");
}

TEST(DaemonConfig, NestedFaultsNameTheFullKey) {
  expectError([] { parse(R"({"practitioner_trust": {"anchor": []}})"); }, Errc::BadRequest,
              "unknown key 'practitioner_trust.anchor' (valid: anchors, intermediates, crls, "
              "issuers, policies, extended_key_usage)");
  expectError([] { parse(R"({"limits": {"max_body": 1}})"); }, Errc::BadRequest,
              "(valid: max_body_bytes, ");
  expectError([] { parse(R"({"limits": []})"); }, Errc::BadRequest, "'limits' must be an object");
  expectError([] { parse(R"({"allowed_origins": ["https://a.example", 2]})"); }, Errc::BadRequest,
              "'allowed_origins' has the wrong type");
  expectError([] { parse(R"({"app_origins": {"x": 1}})"); }, Errc::BadRequest,
              "'app_origins' has the wrong type");
  expectError([] { parse(R"({"session_idle_seconds": 0})"); }, Errc::BadRequest,
              "'session_idle_seconds' must be 1 to 86400");
  expectError([] { parse(R"({"patient_card_trust": {"crls": ["a.crl"]}})"); }, Errc::BadRequest,
              "'patient_card_trust.anchors' names no file");
}

TEST(DaemonConfig, ErrorsNameTheLineOfTheKeyAtFault) {
  expectError([] { parse("{\n  \"listen_port\": 1,\n  \"listen_prot\": 2\n}"); }, Errc::BadRequest,
              "config /etc/test.json line 3: unknown key 'listen_prot'");
  // The nested key's own line, not its parent's; a string value of the same
  // name earlier in the file is not a key.
  expectError(
      [] {
        parse(
            "{\"allowed_origins\": [\"http://localhost\"],\n\"app_origins\": {\"x\": "
            "\"http://localhost\"},\n\"limits\": {\n  \"max_body_bytes\": 1,\n  "
            "\"max_connections\": \"many\"}}");
      },
      Errc::BadRequest, "line 5: 'limits.max_connections' must be a count");
  expectError([] { parse("{\n\"listen_port\": 1,\n\"x\" 2}"); }, Errc::BadRequest,
              "config /etc/test.json line 3: not valid JSON: syntax error");
}

TEST(DaemonConfig, CommentsAreAllowed) {
  const auto config =
      parse("{\n  // the web app of the practice\n  \"listen_port\": 9000 /* test */\n}");
  EXPECT_EQ(config.listenPort, 9000);
}

TEST(DaemonConfig, AllowedOriginsMustBeOrigins) {
  EXPECT_EQ(
      parse(R"({"allowed_origins": ["https://records.example.org", "http://records.intranet"]})")
          .allowedOrigins.size(),
      2u);
  expectError(
      [] { parse("{\n\"allowed_origins\": [\"https://ok.example\", \"records.example.org/\"]}"); },
      Errc::BadRequest, "line 2: 'allowed_origins': ");
}

TEST(ConfigLocation, FindsKeysNotValues) {
  EXPECT_EQ(configKeyLine("{\"a\": \"b\",\n \"b\" : 1}", "b"), 2u);
  EXPECT_EQ(configKeyLine("{\"a\": {\"c\": 1},\n\"c\": 2}", "a.c"), 1u);
  EXPECT_EQ(configKeyLine("{\"a\": 1}", "missing"), 0u);
  EXPECT_EQ(lineAtByte("a\nb\nc", 5), 3u);
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

// ---------------------------------------------------------------- authentication keys

TEST(DaemonConfig, ReadsTheAuthenticationKeys) {
  const auto config = parse(R"({
    "practitioner_trust": {"anchors": ["/pki/root.pem"], "intermediates": ["/pki/int.pem"],
                           "crls": ["/pki/int.crl", "/pki/other.crl"]},
    "patient_card_trust": {"anchors": ["/pki/vitale-root.pem"]},
    "verification_time": "2030-06-01T12:00:00Z",
    "session_idle_seconds": 600,
    "app_origins": {"pharmacy": "https://pharmacy.example", "lab": "http://localhost:8080"}
  })");
  ASSERT_TRUE(config.practitionerTrust);
  EXPECT_EQ(config.practitionerTrust->trustAnchors, std::vector<fs::path>{"/pki/root.pem"});
  EXPECT_EQ(config.practitionerTrust->intermediates, std::vector<fs::path>{"/pki/int.pem"});
  EXPECT_EQ(config.practitionerTrust->crls,
            (std::vector<fs::path>{"/pki/int.crl", "/pki/other.crl"}));
  ASSERT_TRUE(config.patientCardTrust);
  EXPECT_EQ(config.patientCardTrust->trustAnchors, std::vector<fs::path>{"/pki/vitale-root.pem"});
  EXPECT_TRUE(config.patientCardTrust->intermediates.empty());
  EXPECT_TRUE(config.patientCardTrust->crls.empty());
  // 2030-06-01T12:00:00Z, counted independently of the parser.
  EXPECT_EQ(config.verificationTime, std::chrono::system_clock::from_time_t(1906545600));
  EXPECT_EQ(config.sessionIdleTimeout, std::chrono::seconds(600));
  EXPECT_EQ(config.appOrigins,
            (std::map<std::string, std::string>{{"lab", "http://localhost:8080"},
                                                {"pharmacy", "https://pharmacy.example"}}));

  // They reach the settings, and the app origins the API's policy.
  const Settings settings = resolveSettings({}, config, environment({}));
  ASSERT_TRUE(settings.practitionerTrust);
  EXPECT_EQ(settings.practitionerTrust->crls.size(), 2u);
  EXPECT_EQ(settings.verificationTime, config.verificationTime);
  EXPECT_EQ(settings.sessionIdleTimeout, std::chrono::seconds(600));
  EXPECT_EQ(settings.policy().appOrigins, config.appOrigins);
}

TEST(DaemonConfig, TheAuthenticationKeysHaveDefaults) {
  const auto config = parse("{}");
  EXPECT_FALSE(config.practitionerTrust);
  EXPECT_FALSE(config.patientCardTrust);
  EXPECT_FALSE(config.verificationTime);
  EXPECT_EQ(config.sessionIdleTimeout, std::chrono::minutes(15));
  EXPECT_TRUE(config.appOrigins.empty());
}

TEST(DaemonConfig, TrustNeedsKnownKeysAndAnAnchor) {
  expectError([] { parse(R"({"practitioner_trust": {"anchors": ["/r"], "crl": ["/c"]}})"); },
              Errc::BadRequest, "'practitioner_trust.crl'");
  expectError([] { parse(R"({"patient_card_trust": {"anchors": []}})"); }, Errc::BadRequest,
              "patient_card_trust.anchors");
  expectError([] { parse(R"({"practitioner_trust": {"intermediates": ["/i"]}})"); },
              Errc::BadRequest, "practitioner_trust.anchors");
  expectError([] { parse(R"({"practitioner_trust": {}})"); }, Errc::BadRequest,
              "practitioner_trust.anchors");
  expectError([] { parse(R"({"practitioner_trust": ["/r"]})"); }, Errc::BadRequest,
              "practitioner_trust");
  expectError([] { parse(R"({"practitioner_trust": {"anchors": "/r"}})"); }, Errc::BadRequest,
              "practitioner_trust.anchors");
  expectError([] { parse(R"({"practitioner_trust": {"anchors": ["/r", 7]}})"); }, Errc::BadRequest,
              "practitioner_trust.anchors");
}

TEST(DaemonConfig, PractitionerConstraintsAreReadAndChecked) {
  const auto config = parse(R"({"practitioner_trust": {
    "anchors": ["/pki/root.pem"], "issuers": ["/pki/cps-ca.pem", "/pki/cps-ca-2.pem"],
    "policies": ["1.2.250.1.71.4.2.1", "1.2.250.1.71.4.2.7"],
    "extended_key_usage": ["1.3.6.1.5.5.7.3.2"]}})");
  ASSERT_TRUE(config.practitionerTrust);
  EXPECT_EQ(config.practitionerTrust->issuers,
            (std::vector<fs::path>{"/pki/cps-ca.pem", "/pki/cps-ca-2.pem"}));
  EXPECT_EQ(config.practitionerTrust->policies,
            (std::vector<std::string>{"1.2.250.1.71.4.2.1", "1.2.250.1.71.4.2.7"}));
  EXPECT_EQ(config.practitionerTrust->extendedKeyUsages,
            std::vector<std::string>{"1.3.6.1.5.5.7.3.2"});
  // Optional: without them the anchors alone decide (hcbridge doctor warns).
  EXPECT_TRUE(
      parse(R"({"practitioner_trust": {"anchors": ["/r"]}})").practitionerTrust->issuers.empty());
  expectError([] { parse(R"({"practitioner_trust": {"anchors": ["/r"], "policies": ["x.1"]}})"); },
              Errc::BadRequest, "'practitioner_trust.policies' holds 'x.1', not an OID");
  expectError(
      [] {
        parse(
            R"({"practitioner_trust": {"anchors": ["/r"], "extended_key_usage": ["clientAuth"]}})");
      },
      Errc::BadRequest, "'practitioner_trust.extended_key_usage' holds 'clientAuth'");
  expectError([] { parse(R"({"practitioner_trust": {"anchors": ["/r"], "issuers": "/i"}})"); },
              Errc::BadRequest, "practitioner_trust.issuers");
  // Practitioner constraints have no meaning for patient cards.
  expectError([] { parse(R"({"patient_card_trust": {"anchors": ["/r"], "issuers": ["/i"]}})"); },
              Errc::BadRequest, "unknown key 'patient_card_trust.issuers'");
}

TEST(DaemonConfig, VerificationTimeIsAnExactUtcTime) {
  for (const std::string text :
       {"2030-06-01", "2030-06-01T12:00:00", "2030-06-01T12:00:00+02:00", "2030-06-01 12:00:00Z",
        "2030-06-01T12:00:00Zjunk", "yesterday", "", "2030-13-01T00:00:00Z", "2030-02-30T00:00:00Z",
        "2030-06-01T24:00:00Z", "2030-06-31T00:00:00Z"}) {
    SCOPED_TRACE(text);
    expectError([&] { parse(R"({"verification_time": ")" + text + R"("})"); }, Errc::BadRequest,
                "verification_time");
  }
  expectError([] { parse(R"({"verification_time": 1906545600})"); }, Errc::BadRequest,
              "verification_time");
  // The last second of a leap year's February is fine.
  EXPECT_EQ(parse(R"({"verification_time": "2028-02-29T23:59:59Z"})").verificationTime,
            std::chrono::system_clock::from_time_t(1835481599));
}

TEST(DaemonConfig, SessionIdleSecondsIsOneSecondToOneDay) {
  EXPECT_EQ(parse(R"({"session_idle_seconds": 1})").sessionIdleTimeout, std::chrono::seconds(1));
  EXPECT_EQ(parse(R"({"session_idle_seconds": 86400})").sessionIdleTimeout, std::chrono::hours(24));
  for (const std::string value : {"0", "86401", "-5", "1.5", "\"60\"", "null", "1e3"}) {
    SCOPED_TRACE(value);
    expectError([&] { parse(R"({"session_idle_seconds": )" + value + "}"); }, Errc::BadRequest,
                "session_idle_seconds");
  }
}

TEST(DaemonConfig, AppOriginsMustBeOrigins) {
  for (const std::string origin :
       {"https://pharmacy.example/", "http://pharmacy.example", "pharmacy.example",
        "https://pharmacy.example/path", "HTTPS://PHARMACY.EXAMPLE", "https://pharmacy.example:443",
        ""}) {
    SCOPED_TRACE(origin);
    expectError([&] { parse(R"({"app_origins": {"pharmacy": ")" + origin + R"("}})"); },
                Errc::BadRequest, "'app_origins.pharmacy'");
  }
  expectError([] { parse(R"({"app_origins": ["https://pharmacy.example"]})"); }, Errc::BadRequest,
              "app_origins");
  expectError([] { parse(R"({"app_origins": {"pharmacy": 1}})"); }, Errc::BadRequest,
              "app_origins");
}

TEST(DaemonConfig, PractitionerPkcs11NamesTheModuleAndItsChoices) {
  EXPECT_FALSE(parse("{}").practitionerPkcs11);
  const auto plain =
      parse(R"({"practitioner_pkcs11": {"module": "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so"}})")
          .practitionerPkcs11;
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->module, "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so");
  EXPECT_TRUE(plain->tokenLabel.empty());
  EXPECT_TRUE(plain->keyId.empty());
  EXPECT_FALSE(plain->rsaPss);
  EXPECT_EQ(plain->callTimeout, std::chrono::seconds(30));
  const auto full = parse(R"({"practitioner_pkcs11": {"module": "/opt/cps/libcps3_pkcs11_lux.so",
      "token_label": "CPS de DURAND", "key_id": "E8:28:02", "rsa_signature": "pss",
      "call_timeout_seconds": 5}})")
                        .practitionerPkcs11;
  ASSERT_TRUE(full);
  EXPECT_EQ(full->tokenLabel, "CPS de DURAND");
  EXPECT_EQ(full->keyId, (Bytes{0xE8, 0x28, 0x02}));
  EXPECT_TRUE(full->rsaPss);
  EXPECT_EQ(full->callTimeout, std::chrono::seconds(5));
}

TEST(DaemonConfig, PractitionerPkcs11RefusesWhatCannotWork) {
  expectError([] { parse(R"({"practitioner_pkcs11": {}})"); }, Errc::BadRequest, "module");
  expectError([] { parse(R"({"practitioner_pkcs11": {"module": "opensc-pkcs11.so"}})"); },
              Errc::BadRequest, "must be an absolute path");
  expectError([] { parse(R"({"practitioner_pkcs11": {"module": "/m.so", "key_id": "xyz"}})"); },
              Errc::BadRequest, "CKA_ID in hex");
  expectError(
      [] { parse(R"({"practitioner_pkcs11": {"module": "/m.so", "rsa_signature": "PSS"}})"); },
      Errc::BadRequest, "\"pkcs1\" (RS256, the default) or \"pss\"");
  expectError(
      [] { parse(R"({"practitioner_pkcs11": {"module": "/m.so", "call_timeout_seconds": 0}})"); },
      Errc::BadRequest, "call_timeout_seconds");
  expectError([] { parse(R"({"practitioner_pkcs11": {"module": "/m.so", "slot": 1}})"); },
              Errc::BadRequest, "unknown key 'practitioner_pkcs11.slot'");
}

TEST(DaemonConfig, ThePkcs11ModuleOptionReplacesTheConfigsModuleOrAddsOne) {
  CommandLine line;
  line.pkcs11Module = "/usr/lib/softhsm/libsofthsm2.so";
  const auto added = resolveSettings(line, {}, environment({})).practitionerPkcs11;
  ASSERT_TRUE(added);
  EXPECT_EQ(added->module, "/usr/lib/softhsm/libsofthsm2.so");
  const FileConfig config =
      parse(R"({"practitioner_pkcs11": {"module": "/m.so", "rsa_signature": "pss"}})");
  const auto replaced = resolveSettings(line, config, environment({})).practitionerPkcs11;
  ASSERT_TRUE(replaced);
  EXPECT_EQ(replaced->module, "/usr/lib/softhsm/libsofthsm2.so");
  EXPECT_TRUE(replaced->rsaPss);  // the rest of the config stays
  EXPECT_FALSE(resolveSettings({}, {}, environment({})).practitionerPkcs11);
}

}  // namespace
}  // namespace hcbridge::daemon
