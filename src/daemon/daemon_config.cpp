#include "daemon_config.hpp"

#include <algorithm>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string_view>

#include "config_location.hpp"
#include "hcbridge/app_keys.hpp"
#include "hcbridge/auth/tokens.hpp"
#include "hcbridge/base/json_object.hpp"
#include "hcbridge/base/utc_time.hpp"
#include "hcbridge/error.hpp"

namespace hcbridge::daemon {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

// The config file's text, so that an error names the line of the key at fault.
struct ConfigSource {
  std::string_view text;
  const fs::path& file;

  // `key` is dotted ("limits.max_body_bytes"); its line is left out when the
  // key cannot be found (an escaped name), never guessed.
  Error error(const std::string& key, const std::string& what) const {
    const std::size_t line = configKeyLine(text, key);
    return configError(file, line, what);
  }
};

// What a value of the wrong type (or out of range) at `key` must be.
std::string mustBe(const std::string& key) {
  if (key == "listen_port") return "'listen_port' must be a port number (0 to 65535)";
  if (key == "session_idle_seconds") return "'session_idle_seconds' must be 1 to 86400";
  if (key.starts_with("limits.")) return "'" + key + "' must be a count";
  return "'" + key + "' has the wrong type";
}

// The config's locator for the strict reader: the file, the line of the key
// at fault, the config's wording.
base::JsonLocator configLocator(const ConfigSource& source) {
  return [source](const base::JsonFault& fault) {
    using Kind = base::JsonFaultKind;
    // "allowed_origins[2]" is the key "allowed_origins" in the file.
    const std::string key = fault.path.substr(0, fault.path.find('['));
    switch (fault.kind) {
      case Kind::Syntax:
        return configError(source.file, lineAtByte(source.text, fault.byte),
                           jsonErrorReason(fault.reason));
      case Kind::NumberOutOfRange:  // e.g. 1e400: no line is known
        return configError(source.file, 0, jsonErrorReason(fault.reason));
      case Kind::TooDeep:
        return configError(source.file, 0, fault.message());
      case Kind::NotObject:
        if (key.empty()) return configError(source.file, 1, "the top level must be a JSON object");
        return source.error(key, "'" + key + "' must be an object");
      case Kind::UnknownKey:
        return source.error(key, "unknown key '" + key + "' (valid: " + fault.allowedText() + ")");
      case Kind::Missing:
        return source.error(key, "'" + key + "' is missing");
      case Kind::WrongType:
      case Kind::OutOfRange:
        break;
    }
    return source.error(key, mustBe(key));
  };
}

constexpr std::int64_t kMaxCount = std::numeric_limits<std::int64_t>::max();

void parseLimits(const base::JsonObjectReader& config, api::Limits& limits) {
  const auto reader = config.requiredObject(
      "limits",
      {"max_body_bytes", "max_header_count", "max_header_bytes", "max_json_depth",
       "max_connections", "max_connections_per_caller", "max_websocket_message_bytes",
       "max_websocket_queue", "header_timeout_ms", "body_timeout_ms", "websocket_idle_timeout_ms"});
  reader.refuseUnknownKeys();
  auto size = [&](const char* key, std::size_t& target) {
    if (const auto value = reader.optionalInteger(key, 0, kMaxCount)) {
      target = static_cast<std::size_t>(*value);
    }
  };
  auto millis = [&](const char* key, std::chrono::milliseconds& target) {
    if (const auto value = reader.optionalInteger(key, 0, kMaxCount)) {
      target = std::chrono::milliseconds(static_cast<long>(*value));
    }
  };
  size("max_body_bytes", limits.maxBodyBytes);
  size("max_header_count", limits.maxHeaderCount);
  size("max_header_bytes", limits.maxHeaderBytes);
  if (const auto depth = reader.optionalInteger("max_json_depth", 0, kMaxCount)) {
    limits.maxJsonDepth = static_cast<int>(*depth);
  }
  size("max_connections", limits.maxConnections);
  // At least 1: a cap of 0 would refuse every caller.
  if (const auto perCaller = reader.optionalInteger("max_connections_per_caller", 1, kMaxCount)) {
    limits.maxConnectionsPerCaller = static_cast<std::size_t>(*perCaller);
  }
  size("max_websocket_message_bytes", limits.maxWebSocketMessageBytes);
  size("max_websocket_queue", limits.maxWebSocketQueue);
  millis("header_timeout_ms", limits.headerTimeout);
  millis("body_timeout_ms", limits.bodyTimeout);
  if (const auto idle = reader.optionalInteger("websocket_idle_timeout_ms", 1, kMaxCount)) {
    limits.webSocketIdleTimeout = std::chrono::milliseconds(static_cast<long>(*idle));
  }
}

std::vector<fs::path> pathList(const base::JsonObjectReader& reader, const char* key) {
  std::vector<fs::path> paths;
  for (const auto& item : reader.optionalStringList(key).value_or(std::vector<std::string>{}))
    paths.push_back(item);
  return paths;
}

std::vector<std::string> oidList(const base::JsonObjectReader& reader, const std::string& key,
                                 const char* field, const ConfigSource& source) {
  auto oids = reader.optionalStringList(field).value_or(std::vector<std::string>{});
  for (const auto& oid : oids) {
    if (!auth::isDottedOid(oid)) {
      throw source.error(key + "." + field, "'" + key + "." + field + "' holds '" + oid +
                                                "', not an OID like 1.3.6.1.5.5.7.3.2");
    }
  }
  return oids;
}

// {"anchors": [PEM files], "intermediates": [...], "crls": [...]}; for
// practitioner_trust also "issuers": [PEM files], "policies" and
// "extended_key_usage": [OIDs] (docs/tokens.md).
auth::TrustSettings parseTrust(const base::JsonObjectReader& config, const std::string& key,
                               const ConfigSource& source, bool practitioner) {
  const auto reader =
      practitioner ? config.requiredObject(key, {"anchors", "intermediates", "crls", "issuers",
                                                 "policies", "extended_key_usage"})
                   : config.requiredObject(key, {"anchors", "intermediates", "crls"});
  reader.refuseUnknownKeys();
  auth::TrustSettings trust;
  trust.trustAnchors = pathList(reader, "anchors");
  trust.intermediates = pathList(reader, "intermediates");
  trust.crls = pathList(reader, "crls");
  if (practitioner) {
    trust.issuers = pathList(reader, "issuers");
    trust.policies = oidList(reader, key, "policies", source);
    trust.extendedKeyUsages = oidList(reader, key, "extended_key_usage", source);
  }
  if (trust.trustAnchors.empty()) {
    throw source.error(key + ".anchors", "'" + key + ".anchors' names no file");
  }
  return trust;
}

std::chrono::system_clock::time_point parseUtcTime(const std::string& text,
                                                   const ConfigSource& source) {
  if (const auto time = base::parseUtcSecondsText(text)) return *time;
  throw source.error("verification_time",
                     "'verification_time' must be a UTC date and time like "
                     "2026-01-01T00:00:00Z");
}

// An origin that is not well-formed can never match a browser's Origin
// header: refusing it at start beats a web page that silently gets 403.
// `check` is auth::checkOrigin (tokens: https or localhost) or
// auth::checkOriginForm (allowed_origins: http too).
void checkOrigins(const std::vector<std::string>& origins, const std::string& key,
                  const ConfigSource& source, void (*check)(std::string_view)) {
  for (const auto& origin : origins) {
    try {
      check(origin);
    } catch (const Error& error) {
      throw source.error(key, "'" + key + "': " + error.what());
    }
  }
}

// How a record access without the patient's card is allowed: "pin" (the
// practitioner's PIN again, each time), "session" (emergency regulation),
// "deny".
CardAbsentAccess parseCardAbsentAccess(const std::string& value, const ConfigSource& source) {
  if (value == "pin") return CardAbsentAccess::Pin;
  if (value == "session") return CardAbsentAccess::Session;
  if (value == "deny") return CardAbsentAccess::Deny;
  throw source.error("card_absent_access",
                     "'card_absent_access' must be \"pin\" (the practitioner's PIN for each "
                     "record opened without the patient's card, the default), \"session\" (the "
                     "open session suffices: emergency regulation) or \"deny\"; not \"" +
                         value.substr(0, 40) + "\"");
}

// {"module": PATH, "token_label": TEXT, "key_id": HEX, "rsa_signature":
// "pkcs1"|"pss", "call_timeout_seconds": N}: practitioner cards through the
// card middleware's PKCS#11 module (docs/install.md).
Pkcs11Practitioner parsePkcs11(const base::JsonObjectReader& config, const std::string& key,
                               const ConfigSource& source) {
  const auto reader = config.requiredObject(
      key, {"module", "token_label", "key_id", "rsa_signature", "call_timeout_seconds"});
  reader.refuseUnknownKeys();
  Pkcs11Practitioner pkcs11;
  pkcs11.module = reader.requiredString("module");
  if (pkcs11.module.empty() || pkcs11.module.front() != '/') {
    throw source.error(key + ".module",
                       "'" + key +
                           ".module' must be an absolute path to the "
                           "module, like /usr/lib/x86_64-linux-gnu/opensc-pkcs11.so");
  }
  pkcs11.tokenLabel = reader.optionalString("token_label").value_or("");
  if (const auto keyId = reader.optionalString("key_id")) {
    try {
      pkcs11.keyId = fromHex(*keyId);
    } catch (const Error&) {
      pkcs11.keyId.clear();
    }
    if (pkcs11.keyId.empty()) {
      throw source.error(key + ".key_id", "'" + key +
                                              ".key_id' must be the key's CKA_ID in hex "
                                              "(hcbridge doctor lists them)");
    }
  }
  const std::string scheme = reader.optionalString("rsa_signature").value_or("pkcs1");
  if (scheme != "pkcs1" && scheme != "pss") {
    throw source.error(key + ".rsa_signature",
                       "'" + key +
                           ".rsa_signature' must be \"pkcs1\" (RS256, the default) or "
                           "\"pss\" (PS256)");
  }
  pkcs11.rsaPss = scheme == "pss";
  if (const auto seconds = reader.optionalInteger("call_timeout_seconds", 1, 600)) {
    pkcs11.callTimeout = std::chrono::seconds(*seconds);
  }
  return pkcs11;
}

}  // namespace

FileConfig parseConfig(std::string_view text, const fs::path& file) {
  const ConfigSource source{text, file};
  const base::JsonLocator locator = configLocator(source);
  // Comments are allowed so that IT staff can say why a value was chosen.
  const json document = base::parseStrictJson(text, {.ignoreComments = true}, locator);
  // Unknown keys are refused in the file's order, with the other faults.
  const base::JsonObjectReader reader(
      document,
      {"listen_port", "allowed_origins", "require_practitioner_session", "app_keys_file",
       "audit_log", "serial_key_file", "audit_key_file", "audit_checkpoint_every",
       "audit_checkpoint_file", "limits", "practitioner_trust", "patient_card_trust",
       "verification_time", "session_idle_seconds", "app_origins", "card_absent_access",
       "practitioner_pkcs11"},
      locator, base::JsonObjectReader::Options{.refuseUnknown = false});
  FileConfig config;
  for (const auto& item : document.items()) {
    const std::string& key = item.key();
    if (key == "listen_port") {
      config.listenPort = static_cast<std::uint16_t>(reader.requiredInteger(key, 0, 65535));
    } else if (key == "allowed_origins") {
      config.allowedOrigins = reader.requiredStringList(key);
      checkOrigins(config.allowedOrigins, key, source, auth::checkOriginForm);
    } else if (key == "require_practitioner_session") {
      config.requirePractitionerSession = reader.requiredBoolean(key);
    } else if (key == "app_keys_file") {
      config.appKeysFile = reader.requiredString(key);
    } else if (key == "audit_log") {
      config.auditLog = reader.requiredString(key);
    } else if (key == "serial_key_file") {
      config.serialKeyFile = reader.requiredString(key);
    } else if (key == "audit_key_file") {
      config.auditKeyFile = reader.requiredString(key);
    } else if (key == "audit_checkpoint_every") {
      config.auditCheckpointEvery =
          static_cast<std::uint64_t>(reader.requiredInteger(key, 0, 1000000));
    } else if (key == "audit_checkpoint_file") {
      config.auditCheckpointFile = reader.requiredString(key);
    } else if (key == "limits") {
      parseLimits(reader, config.limits);
    } else if (key == "practitioner_trust") {
      config.practitionerTrust = parseTrust(reader, key, source, true);
    } else if (key == "patient_card_trust") {
      config.patientCardTrust = parseTrust(reader, key, source, false);
    } else if (key == "verification_time") {
      config.verificationTime = parseUtcTime(reader.requiredString(key), source);
    } else if (key == "session_idle_seconds") {
      config.sessionIdleTimeout = std::chrono::seconds(reader.requiredInteger(key, 1, 24 * 3600));
    } else if (key == "card_absent_access") {
      config.cardAbsentAccess = parseCardAbsentAccess(reader.requiredString(key), source);
    } else if (key == "practitioner_pkcs11") {
      config.practitionerPkcs11 = parsePkcs11(reader, key, source);
    } else if (key == "app_origins") {
      // App names are free: an object of strings, any keys.
      const json& value = item.value();
      const bool strings =
          value.is_object() && std::all_of(value.begin(), value.end(),
                                           [](const json& origin) { return origin.is_string(); });
      if (!strings) {
        base::JsonFault fault;
        fault.kind = base::JsonFaultKind::WrongType;
        fault.path = fault.key = key;
        reader.fail(fault);
      }
      config.appOrigins = value.get<std::map<std::string, std::string>>();
      for (const auto& [app, origin] : config.appOrigins) {
        checkOrigins({origin}, key + "." + app, source, auth::checkOrigin);
      }
    } else {
      reader.refuseUnknownKeys();
    }
  }
  return config;
}

FileConfig loadConfig(const std::optional<fs::path>& givenFile) {
  const fs::path file = givenFile.value_or(kDefaultConfigFile);
  std::ifstream in(file);
  if (!in) {
    std::error_code ignored;
    if (!givenFile && !fs::exists(file, ignored)) return {};
    throw Error(Errc::BadRequest, "cannot read config file " + file.string(),
                "Check that it exists and that the service's user may read it.");
  }
  std::ostringstream text;
  text << in.rdbuf();
  return parseConfig(text.str(), file);
}

fs::path stateDirectory(const GetEnv& getEnv) {
  if (auto state = getEnv("XDG_STATE_HOME"); state && !state->empty()) {
    return fs::path(*state) / "hcbridge";
  }
  if (auto home = getEnv("HOME"); home && !home->empty()) {
    return fs::path(*home) / ".local" / "state" / "hcbridge";
  }
  throw Error(Errc::BadRequest, "--simulate needs a folder for its state files",
              "Set HOME or XDG_STATE_HOME, or name the files in the config.");
}

Settings resolveSettings(const CommandLine& commandLine, const FileConfig& config,
                         const GetEnv& getEnv) {
  Settings settings;
  settings.port = commandLine.listenPort.value_or(config.listenPort.value_or(kDefaultPort));
  settings.allowedOrigins = config.allowedOrigins;
  settings.configAllowedOrigins = config.allowedOrigins;
  for (const auto& origin : commandLine.allowOrigins) settings.allowedOrigins.push_back(origin);
  settings.requirePractitionerSession = config.requirePractitionerSession;
  settings.simulate = commandLine.simulate;
  settings.configFile = commandLine.configFile.value_or(kDefaultConfigFile);
  settings.configFileGiven = commandLine.configFile.has_value();
  settings.limits = config.limits;
  settings.practitionerTrust = config.practitionerTrust;
  settings.patientCardTrust = config.patientCardTrust;
  settings.verificationTime = config.verificationTime;
  settings.sessionIdleTimeout = config.sessionIdleTimeout;
  settings.cardAbsentAccess = config.cardAbsentAccess;
  settings.appOrigins = config.appOrigins;
  settings.practitionerPkcs11 = config.practitionerPkcs11;
  if (commandLine.pkcs11Module) {
    if (!settings.practitionerPkcs11) settings.practitionerPkcs11 = Pkcs11Practitioner{};
    settings.practitionerPkcs11->module = *commandLine.pkcs11Module;
  }

  const bool needStateDir = commandLine.simulate && (!config.appKeysFile || !config.auditLog ||
                                                     !config.serialKeyFile || !config.auditKeyFile);
  const fs::path stateDir = needStateDir ? stateDirectory(getEnv) : fs::path();
  auto pick = [&](const std::optional<fs::path>& configured, const char* systemDefault,
                  const char* fileName) {
    if (configured) return *configured;
    return commandLine.simulate ? stateDir / fileName : fs::path(systemDefault);
  };
  settings.appKeysFile = pick(config.appKeysFile, kDefaultAppKeysFile, "app-keys.json");
  settings.auditLog = pick(config.auditLog, kDefaultAuditLog, "audit.log");
  settings.serialKeyFile = pick(config.serialKeyFile, kDefaultSerialKeyFile, "serial.key");
  settings.auditKeyFile = pick(config.auditKeyFile, kDefaultAuditKeyFile, "audit.key");
  settings.auditCheckpointEvery = config.auditCheckpointEvery;
  settings.auditCheckpointFile = config.auditCheckpointFile;
  return settings;
}

api::Policy Settings::policy() const {
  api::Policy policy;
  policy.port = port;
  policy.allowedOrigins = allowedOrigins;
  policy.requirePractitionerSession = requirePractitionerSession;
  policy.configPath = configFile.string();
  policy.limits = limits;
  policy.appOrigins = appOrigins;
  return policy;
}

}  // namespace hcbridge::daemon
