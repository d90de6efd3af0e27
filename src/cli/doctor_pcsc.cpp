// The doctor's PC/SC checks: pcscd, the service user's access (polkit),
// readers and cards.
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "command.hpp"
#include "doctor_checks.hpp"
#include "hcbridge/card_driver.hpp"
#include "hcbridge/error.hpp"
#include "hcbridge/pcsc_transport.hpp"
#include "process_table.hpp"

namespace hcbridge::cli {
namespace {

namespace fs = std::filesystem;

std::string howPcscdRuns() {
  const auto process = findProcess("pcscd");
  if (systemdRuns()) {
    return process ? "running as pid " + std::to_string(process->pid) +
                         ", socket-activated by systemd (pcscd.socket)"
                   : "started on demand by systemd (pcscd.socket)";
  }
  return process ? "running as pid " + std::to_string(process->pid) + ", started without systemd"
                 : "not running, and no systemd on this machine to start it";
}

CheckResult skipped(const std::string& check, const std::string& why) {
  return {check, CheckStatus::Warn, "not checked: " + why};
}

constexpr int kCouldNotRun = 127;  // the child could not become the user or exec

// Runs `hcbridge readers` as `user` (fork, drop to the user, exec ourselves:
// a fresh process, so no PC/SC state is shared with this one) and returns its
// exit code: 0 when pcscd, having asked polkit exactly as for the service,
// let that user list the readers.
int readersAsUser(const passwd& user) {
  const pid_t child = fork();
  if (child < 0) return kCouldNotRun;
  if (child == 0) {
    const int null = open("/dev/null", O_WRONLY);
    if (null >= 0) {
      dup2(null, STDOUT_FILENO);
      dup2(null, STDERR_FILENO);
    }
    if (setgroups(0, nullptr) != 0 || setgid(user.pw_gid) != 0 || setuid(user.pw_uid) != 0) {
      _exit(kCouldNotRun);
    }
    execl("/proc/self/exe", "hcbridge", "readers", static_cast<char*>(nullptr));
    _exit(kCouldNotRun);
  }
  int status = 0;
  if (waitpid(child, &status, 0) != child || !WIFEXITED(status)) return kCouldNotRun;
  return WEXITSTATUS(status);
}

}  // namespace

bool systemdRuns() {
  std::error_code error;
  return fs::is_directory("/run/systemd/system", error);
}

CheckResult checkPcscd(DoctorContext& context) {
  try {
    context.readers = pcsc::makeTransport()->listReaders();
    context.pcscdReachable = true;
    return {"pcscd", CheckStatus::Ok, "pcscd answers (" + howPcscdRuns() + ")"};
  } catch (const Error& error) {  // no reader is an empty list, not an error
    const std::string fix =
        systemdRuns()
            ? "sudo systemctl enable --now pcscd.socket (not installed? sudo apt install pcscd)"
            : "start it: sudo /usr/sbin/pcscd (not installed? sudo apt install pcscd)";
    return {"pcscd", CheckStatus::Fail,
            "pcscd does not answer: " + std::string(error.what()) + " (" + howPcscdRuns() + ")",
            fix};
  }
}

CheckResult checkServiceUserAccess(DoctorContext& context) {
  const std::string check = "polkit";
  const passwd* user = getpwnam(context.serviceUser.c_str());
  if (user == nullptr) {
    return {check, CheckStatus::Fail, "there is no user '" + context.serviceUser + "'",
            "reinstall the package (sudo apt install --reinstall hcbridge); it creates the user"};
  }
  if (!context.pcscdReachable) return skipped(check, "pcscd does not answer");
  if (geteuid() != 0) {
    return skipped(check, "only root can test pcscd as user '" + context.serviceUser +
                              "': run sudo hcbridge doctor");
  }
  std::error_code error;
  const bool ruleInstalled = fs::exists(context.polkitRule, error);
  const int exitCode = readersAsUser(*user);
  if (exitCode == kExitOk) {
    return {check, CheckStatus::Ok,
            "pcscd accepts user '" + context.serviceUser + "'" +
                (ruleInstalled ? " (polkit rule " + context.polkitRule.string() + ")" : "")};
  }
  if (exitCode == kCouldNotRun) {
    return skipped(check, "could not run this program as user '" + context.serviceUser +
                              "' (may that user read and execute it?)");
  }
  std::string fix;
  if (!ruleInstalled) {
    fix = "the polkit rule " + context.polkitRule.string() +
          " is missing: sudo apt install --reinstall hcbridge";
  } else if (!findProcess("polkitd")) {
    fix =
        "polkitd is not running, so pcscd refuses every user but root: "
        "sudo apt install polkitd; sudo systemctl start polkit";
  } else {
    fix =
        "another polkit rule denies it: grep -r pcsc /etc/polkit-1/rules.d "
        "/usr/share/polkit-1/rules.d; pcscd's log: journalctl -u pcscd";
  }
  return {check, CheckStatus::Fail, "pcscd refuses user '" + context.serviceUser + "'", fix};
}

CheckResult checkReaders(DoctorContext& context) {
  if (!context.pcscdReachable) return skipped("readers", "pcscd does not answer");
  if (context.readers.empty()) {
    return {"readers", CheckStatus::Warn, "pcscd sees no reader",
            "plug the reader in (lsusb should list it); USB readers need the CCID driver: "
            "sudo apt install libccid, then replug"};
  }
  std::string names;
  for (const auto& reader : context.readers) {
    names += (names.empty() ? "" : ", ") + ("'" + reader.name + "'");
  }
  return {"readers", CheckStatus::Ok,
          std::to_string(context.readers.size()) +
              (context.readers.size() == 1 ? " reader: " : " readers: ") + names};
}

std::vector<CheckResult> checkCards(DoctorContext& context) {
  if (!context.pcscdReachable) return {skipped("card", "pcscd does not answer")};
  auto transport = pcsc::makeTransport();
  const DriverRegistry registry = makeDefaultRegistry();
  std::vector<CheckResult> results;
  for (const auto& reader : context.readers) {
    if (!reader.cardPresent) continue;
    const std::string where = "reader '" + reader.name + "': ";
    const std::string atr = toHex(reader.atr, " ");
    if (reader.mute) {
      results.push_back({"card", CheckStatus::Warn, where + "the card does not answer (mute)",
                         "take it out and insert it again, chip first and face up"});
      continue;
    }
    try {
      auto connection = transport->connect(reader.name, ShareMode::Shared);
      Transaction transaction(*connection);
      const CardDriver& driver = registry.identify(*connection);
      results.push_back({"card", CheckStatus::Ok,
                         where + std::string(driver.displayName()) + " (ATR " + atr + ")"});
    } catch (const Error& error) {
      const bool unknown = error.code() == Errc::CardUnsupported;
      results.push_back(
          {"card", CheckStatus::Warn,
           where + (unknown ? "card not recognised, ATR " + atr : std::string(error.what())),
           unknown ? "report the ATR with the card's type and issuer to the hcbridge maintainers"
                   : error.hint()});
    }
  }
  if (results.empty()) {
    results.push_back({"card", CheckStatus::Ok, "no card inserted (insert one to check it)"});
  }
  return results;
}

}  // namespace hcbridge::cli
