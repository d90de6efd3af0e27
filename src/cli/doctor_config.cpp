// The doctor's config checks: the file, the allowed origins, the trust
// anchors, CRLs and practitioner issuers it names.
#include <algorithm>
#include <chrono>
#include <filesystem>

#include "doctor_checks.hpp"
#include "hcbridge/app_keys.hpp"
#include "hcbridge/auth/trust_expiry.hpp"
#include "hcbridge/error.hpp"
#include "origin_reach.hpp"

namespace hcbridge::cli {
namespace {

namespace fs = std::filesystem;
using std::chrono::system_clock;

// The systemd unit lets the service write only there (ProtectSystem=strict).
const std::vector<fs::path> kWritableFolders = {"/var/lib/hcbridge", "/var/log/hcbridge"};

bool isInside(const fs::path& file, const fs::path& folder) {
  const fs::path relative = file.lexically_normal().lexically_relative(folder);
  return !relative.empty() && *relative.begin() != "..";
}

std::string restartHint() {
  return systemdRuns() ? "; then sudo systemctl restart hcbridged" : "; then restart hcbridged";
}

CheckResult trustResult(const std::string& key, const auth::TrustSettings& trust,
                        system_clock::time_point now) {
  const std::string check = "trust";
  std::vector<auth::TrustFileExpiry> files;
  try {
    files = auth::trustFileExpiry(trust);
  } catch (const Error& error) {
    return {check, CheckStatus::Fail, key + ": " + error.what(),
            "put the PEM files where the config says (under /etc/hcbridge/trust), readable by "
            "the service" +
                restartHint()};
  }
  const auto soon = now + std::chrono::hours(24 * 30);
  for (const auto& file : files) {
    if (!file.validUntil) continue;
    const std::string what = key + ": " + file.role + " " + file.file.string();
    const std::string renew = file.role == "CRL"
                                  ? "download the CA's current CRL to " + file.file.string()
                                  : "get the CA's renewed certificate to " + file.file.string();
    if (*file.validUntil < now) {
      return {check, CheckStatus::Fail, what + " expired on " + file.validUntilText,
              renew + restartHint()};
    }
    if (*file.validUntil < soon) {
      return {check, CheckStatus::Warn, what + " expires on " + file.validUntilText, renew};
    }
  }
  return {check, CheckStatus::Ok,
          key + ": " + std::to_string(files.size()) + " files, none expires within 30 days"};
}

}  // namespace

CheckResult checkConfig(DoctorContext& context) {
  const std::string check = "config";
  const bool isDefault = context.configFile == daemon::kDefaultConfigFile;
  std::error_code error;
  if (isDefault && !fs::exists(context.configFile, error)) {
    return {check, CheckStatus::Warn,
            context.configFile.string() + " is missing: the service runs on its defaults",
            "reinstall the package to get the default file back, or copy "
            "/etc/hcbridge/config.example.jsonc there and edit it"};
  }
  try {
    context.config = daemon::loadConfig(context.configFile);
  } catch (const Error& failure) {
    context.configBroken = true;
    return {
        check, CheckStatus::Fail, failure.what() + std::string(": hcbridged will not start"),
        "edit that line; /etc/hcbridge/config.example.jsonc explains every key" + restartHint()};
  }
  const daemon::FileConfig& config = *context.config;
  context.port = config.listenPort.value_or(daemon::kDefaultPort);
  context.auditLog = config.auditLog.value_or(daemon::kDefaultAuditLog);
  for (const auto& file :
       {config.appKeysFile.value_or(kDefaultAppKeysFile),
        config.serialKeyFile.value_or(daemon::kDefaultSerialKeyFile),
        config.auditKeyFile.value_or(daemon::kDefaultAuditKeyFile), context.auditLog}) {
    const bool writable =
        std::any_of(kWritableFolders.begin(), kWritableFolders.end(),
                    [&](const fs::path& folder) { return isInside(file, folder); });
    if (!writable) {
      return {check, CheckStatus::Fail,
              context.configFile.string() + " names " + file.string() +
                  ", outside the folders the service may write (/var/lib/hcbridge, "
                  "/var/log/hcbridge)",
              "keep the state and audit files in those folders" + restartHint()};
    }
  }
  return {check, CheckStatus::Ok,
          context.configFile.string() + " is valid (port " + std::to_string(context.port) + ")"};
}

CheckResult checkOrigins(DoctorContext& context) {
  const std::string check = "origins";
  if (context.configBroken) return {check, CheckStatus::Warn, "not checked: the config is broken"};
  const std::vector<std::string> origins =
      context.config ? context.config->allowedOrigins : std::vector<std::string>{};
  if (origins.empty()) {
    return {check, CheckStatus::Warn,
            "no allowed_origins: no web page may use the API (programs with an application key "
            "still can)",
            "add the web application's origin, e.g. \"allowed_origins\": "
            "[\"https://records.example.org\"], to " +
                context.configFile.string() + "; then sudo systemctl reload hcbridged"};
  }
  // loadConfig already refused any malformed origin (auth::checkOriginForm).
  const std::vector<std::string> plainHttp = daemon::plainHttpRemoteOrigins(origins);
  if (!plainHttp.empty()) {
    std::string message;
    for (const auto& origin : plainHttp) {
      message += (message.empty() ? "" : "; ") + daemon::plainHttpOriginWarning(origin);
    }
    return {check, CheckStatus::Warn,
            message + " (and anyone on the network path can act as a page on plain http)",
            "serve the web application over https and allow the https origin in " +
                context.configFile.string() + "; then sudo hcbridge browser-policy --write"};
  }
  return {check, CheckStatus::Ok, std::to_string(origins.size()) + " allowed origins, well-formed"};
}

std::vector<CheckResult> checkTrust(DoctorContext& context) {
  if (context.configBroken)
    return {{"trust", CheckStatus::Warn, "not checked: the config is broken"}};
  std::vector<CheckResult> results;
  const auto now = system_clock::now();
  const auto& config = context.config;
  if (config && config->practitionerTrust) {
    results.push_back(trustResult("practitioner_trust", *config->practitionerTrust, now));
    if (config->practitionerTrust->issuers.empty()) {
      // Sessions still open (the anchors decide), but nothing tells a
      // practitioner card from another certificate the anchors cover.
      results.push_back(
          {"trust", CheckStatus::Warn,
           "practitioner_trust has no issuers: any certificate under its anchors (a patient "
           "card's, a server's, a staff member's) may open a practitioner session",
           "list the CA certificates that issue practitioner cards as "
           "\"practitioner_trust.issuers\" (and their policies; see docs/tokens.md)" +
               restartHint()});
    }
  } else {
    results.push_back({"trust", CheckStatus::Warn,
                       "no practitioner_trust: practitioner card sessions are refused",
                       "add the card CA's certificates and CRLs as \"practitioner_trust\" (see "
                       "/etc/hcbridge/config.example.jsonc)" +
                           restartHint()});
  }
  if (config && config->patientCardTrust) {
    results.push_back(trustResult("patient_card_trust", *config->patientCardTrust, now));
  }
  return results;
}

}  // namespace hcbridge::cli
