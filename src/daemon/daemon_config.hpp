// hcbridged's command line and config file, resolved into the settings the
// service starts with. Pure (no sockets, no threads) so it is unit-tested.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hcbridge/api/policy.hpp"
#include "hcbridge/auth/certificate_validator.hpp"
#include "hcbridge/core/authentication_settings.hpp"

namespace hcbridge::daemon {

using CardAbsentAccess = core::AuthenticationSettings::CardAbsentAccess;
using Pkcs11Practitioner = core::AuthenticationSettings::Pkcs11Practitioner;

inline constexpr std::uint16_t kDefaultPort = 8732;
inline constexpr const char* kDefaultConfigFile = "/etc/hcbridge/config.json";
inline constexpr const char* kDefaultAuditLog = "/var/log/hcbridge/audit.log";
inline constexpr const char* kDefaultSerialKeyFile = "/var/lib/hcbridge/serial.key";
inline constexpr const char* kDefaultAuditKeyFile = "/var/lib/hcbridge/audit.key";
inline constexpr std::uint64_t kDefaultAuditCheckpointEvery = 100;

// What hcbridged was started with (daemon_options.hpp parses it).
struct CommandLine {
  std::optional<std::uint16_t> listenPort;
  std::optional<std::filesystem::path> configFile;
  bool simulate = false;
  std::vector<std::string> allowOrigins;
  std::optional<std::string> pkcs11Module;  // --pkcs11-module: practitioner cards through it
  bool help = false;
  bool version = false;
};

// What the config file says; unset paths take the mode's defaults.
struct FileConfig {
  std::optional<std::uint16_t> listenPort;
  std::vector<std::string> allowedOrigins;
  bool requirePractitionerSession = true;
  std::optional<std::filesystem::path> appKeysFile;
  std::optional<std::filesystem::path> auditLog;
  std::optional<std::filesystem::path> serialKeyFile;
  std::optional<std::filesystem::path> auditKeyFile;
  std::uint64_t auditCheckpointEvery = kDefaultAuditCheckpointEvery;
  std::optional<std::filesystem::path> auditCheckpointFile;
  api::Limits limits;
  std::optional<auth::TrustSettings> practitionerTrust;
  std::optional<auth::TrustSettings> patientCardTrust;
  // Pins the time certificates are checked at (tests with expired test cards).
  std::optional<std::chrono::system_clock::time_point> verificationTime;
  std::chrono::seconds sessionIdleTimeout{15 * 60};
  CardAbsentAccess cardAbsentAccess = CardAbsentAccess::Pin;
  std::map<std::string, std::string> appOrigins;
  std::optional<Pkcs11Practitioner> practitionerPkcs11;
};

// Throws Error(BadRequest) naming the file and the key that is wrong
// (unknown keys are errors: a typo must not silently keep a default).
FileConfig parseConfig(std::string_view text, const std::filesystem::path& file);

// The given file (must exist) or the default one (may be absent: defaults).
FileConfig loadConfig(const std::optional<std::filesystem::path>& givenFile);

struct Settings {
  std::uint16_t port = kDefaultPort;
  std::vector<std::string> allowedOrigins;        // the config's, then --allow-origin's
  std::vector<std::string> configAllowedOrigins;  // to tell a SIGHUP what changed
  bool requirePractitionerSession = true;
  bool simulate = false;
  std::filesystem::path configFile;
  bool configFileGiven = false;  // --config: the file must exist
  std::filesystem::path appKeysFile;
  std::filesystem::path auditLog;
  std::filesystem::path serialKeyFile;
  std::filesystem::path auditKeyFile;
  std::uint64_t auditCheckpointEvery = kDefaultAuditCheckpointEvery;  // lines; 0: only at start/stop
  std::optional<std::filesystem::path> auditCheckpointFile;  // beside the journal, when set
  api::Limits limits;
  // Unset with --simulate: the simulated cards' TEST PKI is trusted.
  std::optional<auth::TrustSettings> practitionerTrust;
  std::optional<auth::TrustSettings> patientCardTrust;
  std::optional<std::chrono::system_clock::time_point> verificationTime;
  std::chrono::seconds sessionIdleTimeout{15 * 60};
  CardAbsentAccess cardAbsentAccess = CardAbsentAccess::Pin;
  std::map<std::string, std::string> appOrigins;
  // The config's practitioner_pkcs11, its module replaced by --pkcs11-module.
  std::optional<Pkcs11Practitioner> practitionerPkcs11;

  api::Policy policy() const;
};

using GetEnv = std::function<std::optional<std::string>(const char* name)>;

// Command line over config file over defaults. In --simulate mode the state
// files the config does not name go to a per-user folder (stateDirectory),
// so the demo runs without root.
Settings resolveSettings(const CommandLine& commandLine, const FileConfig& config,
                         const GetEnv& getEnv);

// $XDG_STATE_HOME/hcbridge, else $HOME/.local/state/hcbridge.
std::filesystem::path stateDirectory(const GetEnv& getEnv);

}  // namespace hcbridge::daemon
