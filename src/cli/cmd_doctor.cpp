// hcbridge doctor [--json] [--config FILE] [--user NAME]
#include <ostream>

#include "command.hpp"
#include "doctor_checks.hpp"
#include "options.hpp"

namespace hcbridge::cli {
namespace {

// The order of the issue that asked for the doctor: from the card side
// (pcscd, its access rules, readers, cards) to the service side (config,
// port, trust, audit, the running service). A FAIL does not stop the
// checks: IT staff see every fault at once.
std::vector<CheckResult> runChecks(DoctorContext& context) {
  std::vector<CheckResult> results;
  auto add = [&results](std::vector<CheckResult> more) {
    for (auto& result : more) results.push_back(std::move(result));
  };
  results.push_back(checkPcscd(context));
  results.push_back(checkServiceUserAccess(context));
  results.push_back(checkReaders(context));
  add(checkCards(context));
  results.push_back(checkConfig(context));
  add(checkPkcs11(context));
  results.push_back(checkOrigins(context));
  add(checkBrowserPolicies(context));
  results.push_back(checkPort(context));
  add(checkTrust(context));
  results.push_back(checkAudit(context));
  results.push_back(checkService(context));
  return results;
}

int runDoctor(const std::vector<std::string>& args, std::ostream& out) {
  DoctorContext context;
  po::options_description options("Options");
  options.add_options()("json",
                        "print JSON: {\"ok\", \"checks\": [{check, status, message, fix}]}")(
      "config", po::value<std::string>()->default_value(context.configFile.string()),
      "the service's config file")("user",
                                   po::value<std::string>()->default_value(context.serviceUser),
                                   "the user the service runs as");
  po::variables_map values;
  const Usage usage{
      "hcbridge doctor [--json] [--config FILE] [--user NAME]",
      "Diagnoses why a card is not read. Checks, in order: pcscd answers (and how it is\n"
      "started), pcscd accepts the service's user (polkit), readers, each card (or its\n"
      "ATR), the config file (file, line and reason when wrong), its PKCS#11 module\n"
      "(practitioner_pkcs11: slots, tokens, PIN state, practitioner certificate), the\n"
      "allowed origins, the browser policies for them (hcbridge browser-policy; each\n"
      "browser installed), the port (free or held by hcbridged; otherwise the program\n"
      "holding it), the trust anchors and CRLs (present, not expired), the audit log\n"
      "(writable, chain intact) and the service answering /v1/status. One line per\n"
      "check, OK, WARN or FAIL, with the fix. Exit 1 when any check fails, else 0.\n"
      "Run it as root: the user and audit checks need it.",
      "  sudo hcbridge doctor\n  sudo hcbridge doctor --json\n"
      "  sudo hcbridge doctor --config /tmp/new-config.json   (check a file before deploying)\n"};
  if (!parseOptions(args, options, {}, usage, values, out)) return kExitOk;
  context.configFile = values["config"].as<std::string>();
  context.serviceUser = values["user"].as<std::string>();

  const std::vector<CheckResult> results = runChecks(context);
  if (values.count("json")) {
    out << reportJson(results).dump(2) << "\n";
  } else {
    printReport(out, results);
  }
  return reportExitCode(results);
}

}  // namespace

Command doctorCommand() {
  return {"doctor", "diagnose the installation: pcscd, readers, cards, config, port, service",
          runDoctor};
}

}  // namespace hcbridge::cli
