// The checks of `hcbridge doctor`, in the order they run. Each returns its
// findings and records in the context what later checks need (a later check
// that cannot run because of an earlier failure says so as a WARN).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "daemon_config.hpp"
#include "doctor_report.hpp"
#include "hcbridge/transport.hpp"

namespace hcbridge::cli {

struct DoctorContext {
  std::filesystem::path configFile = daemon::kDefaultConfigFile;
  std::string serviceUser = "hcbridge";
  std::filesystem::path polkitRule = "/usr/share/polkit-1/rules.d/50-hcbridge-pcscd.rules";
  // Where the browsers' policy folders are looked for (tests use a temporary one).
  std::filesystem::path root = "/";

  // Found along the way.
  bool pcscdReachable = false;
  std::vector<ReaderInfo> readers;
  std::optional<daemon::FileConfig> config;  // unset: missing (defaults) or broken
  bool configBroken = false;
  std::uint16_t port = daemon::kDefaultPort;
  std::filesystem::path auditLog = daemon::kDefaultAuditLog;
};

// pcscd (doctor_pcsc.cpp)
CheckResult checkPcscd(DoctorContext& context);
CheckResult checkServiceUserAccess(DoctorContext& context);
CheckResult checkReaders(DoctorContext& context);
std::vector<CheckResult> checkCards(DoctorContext& context);  // one per card
// the config (doctor_config.cpp)
CheckResult checkConfig(DoctorContext& context);
CheckResult checkOrigins(DoctorContext& context);
std::vector<CheckResult> checkTrust(DoctorContext& context);  // one per trust setting
// the PKCS#11 module of practitioner_pkcs11 (doctor_pkcs11.cpp): none when unset
std::vector<CheckResult> checkPkcs11(DoctorContext& context);
// the browsers' policies (doctor_browser_policy.cpp): one per browser installed
std::vector<CheckResult> checkBrowserPolicies(DoctorContext& context);
// the running service (doctor_service.cpp)
CheckResult checkPort(DoctorContext& context);
CheckResult checkAudit(DoctorContext& context);
CheckResult checkService(DoctorContext& context);

// Whether systemd runs this machine (the fixes then use systemctl).
bool systemdRuns();

}  // namespace hcbridge::cli
