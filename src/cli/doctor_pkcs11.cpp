// The doctor's PKCS#11 check, when the config names a module
// (practitioner_pkcs11): the module loads; its slots, and the PC/SC reader
// behind each; each token's label, serial and PIN state; the practitioner
// certificate on it. The module runs in a forked child, so a vendor module
// that crashes or hangs is reported, naming the call, instead of killing or
// stalling the doctor.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>

#include "doctor_checks.hpp"
#include "hcbridge/auth/practitioner_identity.hpp"
#include "hcbridge/error.hpp"
#include "hcbridge/pkcs11/crash_report.hpp"
#include "hcbridge/pkcs11/module.hpp"
#include "hcbridge/pkcs11/selection.hpp"

namespace hcbridge::cli {
namespace {

namespace fs = std::filesystem;
using daemon::Pkcs11Practitioner;
using pkcs11::SlotInfo;
using pkcs11::TokenInfo;

const std::string kCheck = "pkcs11";
const std::string kModuleFailureFix =
    "check the module's own log, and that it is the module the card's issuer provides for "
    "this card (docs/install.md); hcbridged fails the same way";

// Where the module usually comes from, by its file name.
std::string installHint(const std::string& module) {
  const std::string name = fs::path(module).filename().string();
  if (name.find("opensc-pkcs11") != std::string::npos) {
    return "sudo apt install opensc-pkcs11 (OpenSC: CPS3 cards), or correct "
           "practitioner_pkcs11.module";
  }
  if (name.find("softhsm2") != std::string::npos) return "sudo apt install softhsm2";
  if (name.find("cps") != std::string::npos || module.find("galss") != std::string::npos) {
    return "install ANS's Cryptolib CPS (esante.gouv.fr) and set practitioner_pkcs11.module to "
           "the path its documentation gives (docs/install.md)";
  }
  return "install the card vendor's middleware, or set practitioner_pkcs11.module to its "
         "PKCS#11 library (docs/install.md)";
}

std::string pinWords(const TokenInfo& token) {
  std::string words;
  if (token.pinLocked) {
    words = "PIN locked";
  } else if (token.pinFinalTry) {
    words = "PIN: one try left";
  } else if (token.pinCountLow) {
    words = "PIN: a wrong PIN was entered";
  } else {
    words = "PIN ok";
  }
  if (token.protectedAuthenticationPath) words += ", typed on the reader's PIN pad";
  return words;
}

// The PC/SC reader a slot stands for, by hcbridged's rule.
std::string readerOfSlot(const SlotInfo& slot, const std::vector<ReaderInfo>& readers) {
  std::vector<std::string> names;
  for (const auto& reader : readers) names.push_back(reader.name);
  return pkcs11::readerOfSlot(slot.description, names);
}

CheckResult slotResult(const SlotInfo& slot, const DoctorContext& context,
                       const Pkcs11Practitioner& settings) {
  const std::string reader = readerOfSlot(slot, context.readers);
  std::string where = "slot " + std::to_string(slot.id) + " '" + slot.description + "'";
  if (!reader.empty()) {
    where += " is reader '" + reader + "'";
  } else if (context.pcscdReachable) {
    where += " (no PC/SC reader of that name: a token of its own, like SoftHSM2 or a USB token)";
  }
  if (!slot.token) return {kCheck, CheckStatus::Ok, where + ": no token"};
  const TokenInfo& token = *slot.token;
  if (!token.userPinInitialized) {
    return {
        kCheck, CheckStatus::Ok,
        where + ": a token without a user PIN ('" + token.label + "'), not a practitioner card"};
  }
  std::string message = where + ": token '" + token.label + "', serial " + token.serialNumber +
                        (token.model.empty() ? "" : ", " + token.model) + ", " + pinWords(token);
  if (!settings.tokenLabel.empty() && token.label != settings.tokenLabel) {
    return {
        kCheck, CheckStatus::Ok,
        message + " (not used: practitioner_pkcs11.token_label is '" + settings.tokenLabel + "')"};
  }
  if (token.pinLocked) {
    return {kCheck, CheckStatus::Fail, message,
            "unblock the PIN with the card's PUK (the card middleware's tool), or ask the card's "
            "issuer for a new card"};
  }
  return {kCheck, CheckStatus::Ok, message};
}

// The authentication certificate hcbridged would use, and whom it names.
struct Candidate {
  const pkcs11::CertificateObject* certificate = nullptr;
  auth::PractitionerIdentity identity{};
};

Candidate practitionerCertificate(const std::vector<pkcs11::CertificateObject>& certificates,
                                  const Bytes& keyId) {
  Candidate found{pkcs11::authenticationCertificate(certificates, keyId)};
  if (found.certificate == nullptr) return found;
  try {
    found.identity = auth::practitionerIdentityOf(found.certificate->der);
  } catch (const Error&) {
    found.certificate = nullptr;  // a CA's or another person's certificate
  }
  return found;
}

std::string labelsOf(const std::vector<pkcs11::CertificateObject>& certificates) {
  std::string labels;
  for (const auto& certificate : certificates) {
    labels += (labels.empty() ? "'" : ", '") + certificate.label + "' (CKA_ID " +
              toHex(certificate.id) + ")";
  }
  return labels;
}

CheckResult certificateResult(const pkcs11::Module& module, const SlotInfo& slot,
                              const Pkcs11Practitioner& settings) {
  const std::string token = "token '" + slot.token->label + "'";
  const auto session = module.openSession(slot.id);
  const auto certificates = session->certificates();
  const Candidate found = practitionerCertificate(certificates, settings.keyId);
  if (found.certificate == nullptr) {
    const std::string wanted =
        settings.keyId.empty() ? "" : " with CKA_ID " + toHex(settings.keyId) + " (key_id)";
    return {kCheck, CheckStatus::Warn,
            token + " holds no practitioner certificate" + wanted +
                (certificates.empty() ? " (no certificate at all)"
                                      : "; its certificates: " + labelsOf(certificates)),
            "check that this is the practitioner's card and the module its issuer's; with "
            "several keys, name the authentication key's CKA_ID as practitioner_pkcs11.key_id"};
  }
  const pkcs11::CertificateObject& certificate = *found.certificate;
  std::string message = token + ": practitioner certificate '" + certificate.label + "' (CKA_ID " +
                        toHex(certificate.id) + ") of " + found.identity.name + ", " +
                        found.identity.idType + " " + found.identity.id;
  // Many tokens show their private keys only after the PIN (CKA_PRIVATE).
  const auto keys = session->privateKeys();
  if (keys.empty()) return {kCheck, CheckStatus::Ok, message + "; its key shows after the PIN"};
  for (const auto& key : keys) {
    if (key.id == certificate.id) {
      return {kCheck, CheckStatus::Ok, message + ", private key '" + key.label + "'"};
    }
  }
  return {kCheck, CheckStatus::Warn, message + ", but no private key has its CKA_ID",
          "name the authentication key's CKA_ID as practitioner_pkcs11.key_id"};
}

// Everything the module says, in this process (the forked child).
std::vector<CheckResult> probeModule(const DoctorContext& context,
                                     const Pkcs11Practitioner& settings) {
  std::unique_ptr<pkcs11::Module> module;
  try {
    module = pkcs11::Module::load(settings.module);
  } catch (const Error& error) {
    return {{kCheck, CheckStatus::Fail, error.what(), installHint(settings.module)}};
  }
  const pkcs11::ModuleInfo& info = module->info();
  std::vector<CheckResult> results{{kCheck, CheckStatus::Ok,
                                    "module " + info.path + " loads: " + info.manufacturer + ", " +
                                        info.description + " (library " + info.libraryVersion +
                                        ", PKCS#11 " + info.cryptokiVersion + ")"}};
  try {
    const auto slots = module->slots();
    bool anyUsed = false;
    for (const auto& slot : slots) {
      results.push_back(slotResult(slot, context, settings));
      if (!pkcs11::isPractitionerToken(slot, settings.tokenLabel)) continue;
      anyUsed = true;
      try {
        results.push_back(certificateResult(*module, slot, settings));
      } catch (const Error& error) {
        results.push_back({kCheck, CheckStatus::Warn,
                           "token '" + slot.token->label + "': " + error.what(), error.hint()});
      }
    }
    if (!anyUsed) {
      const std::string which = settings.tokenLabel.empty()
                                    ? "no token"
                                    : "no token labelled '" + settings.tokenLabel + "'";
      results.push_back(
          {kCheck, CheckStatus::Warn,
           "the module shows " + which + " in its " + std::to_string(slots.size()) + " slots",
           "insert the practitioner card in a reader the module serves"});
    }
  } catch (const Error& error) {
    results.push_back({kCheck, CheckStatus::Fail, error.what(), kModuleFailureFix});
  }
  return results;
}

CheckStatus statusOf(const std::string& word) {
  return word == "OK" ? CheckStatus::Ok : word == "WARN" ? CheckStatus::Warn : CheckStatus::Fail;
}

// Reads both pipes to their end or until the deadline; false on timeout.
bool readAll(int outFd, int errFd, std::string& out, std::string& err,
             std::chrono::steady_clock::time_point deadline) {
  pollfd fds[2] = {{outFd, POLLIN, 0}, {errFd, POLLIN, 0}};
  int open = 2;
  while (open > 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || poll(fds, 2, static_cast<int>(left.count())) <= 0) return false;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      char chunk[4096];
      const ssize_t n = read(fds[i].fd, chunk, sizeof chunk);
      if (n <= 0) {
        fds[i].fd = -1;
        --open;
      } else {
        (i == 0 ? out : err).append(chunk, static_cast<std::size_t>(n));
      }
    }
  }
  return true;
}

// What the crash report of the wrapper (pkcs11::installCrashReport) said:
// "crashed inside the PKCS#11 module ... during C_xxx".
std::string crashReportOf(const std::string& childStderr) {
  const auto start = childStderr.find("crashed inside");
  if (start == std::string::npos) return "crashed";
  const auto end = childStderr.find(':', start);
  return childStderr.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

std::vector<CheckResult> probeInChild(const DoctorContext& context,
                                      const Pkcs11Practitioner& settings) {
  int out[2];
  int err[2];
  if (pipe2(out, O_CLOEXEC) != 0) return {{kCheck, CheckStatus::Fail, "pipe failed"}};
  if (pipe2(err, O_CLOEXEC) != 0) {
    close(out[0]);
    close(out[1]);
    return {{kCheck, CheckStatus::Fail, "pipe failed"}};
  }
  const pid_t child = fork();
  if (child == 0) {
    close(out[0]);
    close(err[0]);
    dup2(err[1], STDERR_FILENO);
    pkcs11::installCrashReport();
    const std::string report = reportJson(probeModule(context, settings)).dump();
    std::size_t written = 0;
    while (written < report.size()) {
      const ssize_t n = write(out[1], report.data() + written, report.size() - written);
      if (n <= 0) _exit(1);
      written += static_cast<std::size_t>(n);
    }
    _exit(0);
  }
  close(out[1]);
  close(err[1]);
  std::string report;
  std::string childStderr;
  const bool finished =
      child > 0 && readAll(out[0], err[0], report, childStderr,
                           std::chrono::steady_clock::now() + settings.callTimeout);
  close(out[0]);
  close(err[0]);
  if (child < 0) return {{kCheck, CheckStatus::Fail, "fork failed: cannot try the module"}};
  if (!finished) kill(child, SIGKILL);
  int status = 0;
  waitpid(child, &status, 0);
  const std::string module = "the PKCS#11 module " + settings.module;
  if (!finished) {
    const auto seconds =
        std::chrono::duration_cast<std::chrono::seconds>(settings.callTimeout).count();
    return {{kCheck, CheckStatus::Fail,
             module + " did not answer within " + std::to_string(seconds) + " s (hung)",
             "check the module's own log and its middleware service (e.g. for Cryptolib CPS, "
             "the GALSS service); report it to the module's vendor"}};
  }
  if (WIFSIGNALED(status)) {
    return {{kCheck, CheckStatus::Fail,
             module + " " + crashReportOf(childStderr) + " (signal " +
                 std::to_string(WTERMSIG(status)) + ")",
             "hcbridged would crash the same way: remove practitioner_pkcs11 from the config "
             "meanwhile, and report it to the module's vendor"}};
  }
  const auto parsed = nlohmann::json::parse(report, nullptr, false);
  if (parsed.is_discarded() || !parsed.contains("checks")) {
    return {
        {kCheck, CheckStatus::Fail,
         module + " stopped the check (exit status " + std::to_string(WEXITSTATUS(status)) + ")"}};
  }
  std::vector<CheckResult> results;
  for (const auto& item : parsed["checks"]) {
    results.push_back({item.value("check", kCheck), statusOf(item.value("status", "")),
                       item.value("message", ""), item.value("fix", "")});
  }
  return results;
}

}  // namespace

std::vector<CheckResult> checkPkcs11(DoctorContext& context) {
  if (context.configBroken || !context.config || !context.config->practitionerPkcs11) return {};
  const Pkcs11Practitioner& settings = *context.config->practitionerPkcs11;
  std::error_code error;
  if (!fs::exists(settings.module, error)) {
    return {{kCheck, CheckStatus::Fail, "the PKCS#11 module " + settings.module + " is missing",
             installHint(settings.module)}};
  }
  return probeInChild(context, settings);
}

}  // namespace hcbridge::cli
