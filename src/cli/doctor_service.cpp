// The doctor's checks of the running service: its port, its audit log and
// its answer on /v1/status.
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>

#include "doctor_checks.hpp"
#include "hcbridge/audit_log.hpp"
#include "hcbridge/error.hpp"
#include "loopback_http.hpp"
#include "process_table.hpp"

namespace hcbridge::cli {
namespace {

namespace fs = std::filesystem;

// Binds 127.0.0.1:port as the service does (SO_REUSEADDR: only a listener,
// not a closed connection, keeps the port); false with EADDRINUSE when taken.
bool portIsFree(std::uint16_t port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return true;
  const int on = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool bound = bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0;
  const bool inUse = !bound && errno == EADDRINUSE;
  close(fd);
  return !inUse;
}

std::string startHint() {
  return systemdRuns()
             ? "sudo systemctl start hcbridged; why it stopped: journalctl -u hcbridged -n 50"
             : "start it: sudo runuser -u hcbridge -- /usr/sbin/hcbridged";
}

// The owner the audit file (or, before the first line, its folder) must have
// so that the service can write it: the service user when it exists, else
// whoever runs the doctor (a development machine).
CheckResult auditWritable(const DoctorContext& context, const fs::path& target) {
  struct stat info {};
  if (stat(target.c_str(), &info) != 0) {
    return {"audit", CheckStatus::Fail, target.string() + " does not exist",
            "reinstall the package (it creates /var/log/hcbridge), or create the folder owned by "
            "the service user with mode 0700"};
  }
  const passwd* user = getpwnam(context.serviceUser.c_str());
  const uid_t owner = user != nullptr ? user->pw_uid : geteuid();
  if (info.st_uid != owner || (info.st_mode & S_IWUSR) == 0) {
    const std::string name = user != nullptr ? context.serviceUser : "this user";
    return {"audit", CheckStatus::Fail, target.string() + " is not writable by " + name,
            "sudo chown " + context.serviceUser + ": " + target.string() + " && sudo chmod u+w " +
                target.string()};
  }
  return {"audit", CheckStatus::Ok, ""};
}

}  // namespace

CheckResult checkPort(DoctorContext& context) {
  const std::string port = std::to_string(context.port);
  if (portIsFree(context.port)) {
    return {"port", CheckStatus::Ok, "port " + port + " is free (hcbridged is not running)"};
  }
  const auto holder = tcpListener(context.port);
  if (holder && holder->name == "hcbridged") {
    return {"port", CheckStatus::Ok,
            "port " + port + " is held by hcbridged (pid " + std::to_string(holder->pid) + ")"};
  }
  const std::string who = holder && holder->pid != 0
                              ? holder->name + " (pid " + std::to_string(holder->pid) + ")"
                              : "a process this user cannot see (run sudo hcbridge doctor)";
  return {"port", CheckStatus::Fail, "port " + port + " is held by " + who + ", not hcbridged",
          "stop that program, or give hcbridge another port (\"listen_port\" in " +
              context.configFile.string() + ", and in the web applications' settings)"};
}

CheckResult checkAudit(DoctorContext& context) {
  const fs::path& file = context.auditLog;
  std::error_code error;
  if (!fs::exists(file, error)) {
    CheckResult folder = auditWritable(context, file.parent_path());
    if (folder.status == CheckStatus::Ok)
      folder.message = file.string() + " not written yet; its folder is writable";
    return folder;
  }
  CheckResult result = auditWritable(context, file);
  if (result.status != CheckStatus::Ok) return result;
  try {
    // The key is readable by root and the service only: without it a keyed
    // log cannot be checked, which is a warning, not a broken chain.
    const fs::path keyFile =
        context.config ? context.config->auditKeyFile.value_or(daemon::kDefaultAuditKeyFile)
                       : fs::path(daemon::kDefaultAuditKeyFile);
    std::optional<AuditKey> key;
    std::string keyProblem;
    try {
      key.emplace(AuditKey::load(keyFile));
    } catch (const Error& failure) {
      keyProblem = failure.what();
    }
    const AuditVerifyResult chain = verifyAuditLog(file, {key ? &*key : nullptr, {}});
    if (chain.keyNeeded) {
      return {"audit", CheckStatus::Warn, file.string() + " not checked: " + keyProblem,
              "run the doctor as root: sudo hcbridge doctor"};
    }
    if (!chain.ok) {
      return {"audit", CheckStatus::Fail,
              file.string() + " chain broken at line " + std::to_string(chain.firstBrokenLine) +
                  ": " + chain.reason,
              "keep a copy of the file as evidence and tell the data protection officer; "
              "docs: /usr/share/doc/hcbridge/install.md, \"Logs and audit\""};
    }
    result.message = file.string() + ": " + std::to_string(chain.lines) + " lines, chain intact";
    if (chain.unkeyedLines > 0) {
      result.message += " (" + std::to_string(chain.unkeyedLines) +
                        " unkeyed lines of the format before the audit key)";
    }
  } catch (const Error& failure) {
    return {"audit", CheckStatus::Warn, failure.what(),
            "run the doctor as root: sudo hcbridge doctor"};
  }
  return result;
}

CheckResult checkService(DoctorContext& context) {
  const std::string where = "127.0.0.1:" + std::to_string(context.port);
  std::string error;
  const auto answer =
      loopbackGet(context.port, "/v1/status", std::chrono::milliseconds(3000), error);
  if (!answer) {
    return {"service", CheckStatus::Fail, "nothing answers /v1/status on " + where + ": " + error,
            startHint()};
  }
  // /v1/status needs an application key: a 401 problem+json is hcbridged
  // answering as it should; the doctor has no key of its own.
  const bool problem = answer->contentType.starts_with("application/problem+json");
  if (answer->status == 200 || (answer->status == 401 && problem)) {
    return {"service", CheckStatus::Ok,
            "hcbridged answers /v1/status on " + where + " (HTTP " +
                std::to_string(answer->status) + ")"};
  }
  return {
      "service", CheckStatus::Fail,
      where + " answers /v1/status with HTTP " + std::to_string(answer->status) + ": not hcbridged",
      "see the port check: another program holds the port"};
}

}  // namespace hcbridge::cli
