// hcbridge audit verify FILE
#include <ostream>

#include "command.hpp"
#include "hcbridge/audit_log.hpp"
#include "options.hpp"
#include "subcommands.hpp"

namespace hcbridge::cli {
namespace {

int runVerify(const std::vector<std::string>& args, std::ostream& out) {
  po::options_description options("Options");
  options.add_options()("file", po::value<std::string>()->required(), "the audit log to check");
  po::positional_options_description positional;
  positional.add("file", 1);
  po::variables_map values;
  const Usage usage{
      "hcbridge audit verify FILE",
      "Checks the hash chain of an hcbridged audit log: every line must be a complete\n"
      "audit record, numbered in order, carrying the SHA-256 of the line before it.\n"
      "Prints the number of lines when the chain is intact (exit 0), or the first\n"
      "broken line and why: edited, deleted, inserted, out of order, not JSON,\n"
      "truncated (exit 1). The newest line is covered once another line follows it.",
      "  sudo hcbridge audit verify /var/lib/hcbridge/audit.log\n"};
  if (!parseOptions(args, options, positional, usage, values, out)) return kExitOk;
  const AuditVerifyResult result = verifyAuditLog(values["file"].as<std::string>());
  if (!result.ok) {
    out << "line " << result.firstBrokenLine << ": " << result.reason << "\n";
    return kExitFailure;
  }
  out << result.lines << (result.lines == 1 ? " line" : " lines") << ", chain intact\n";
  return kExitOk;
}

int runAudit(const std::vector<std::string>& args, std::ostream& out) {
  const Usage usage{"hcbridge audit verify FILE",
                    "Works with the hash-chained audit log that hcbridged writes for every\n"
                    "read of patient data.",
                    "  sudo hcbridge audit verify /var/lib/hcbridge/audit.log\n"};
  return runSubcommand("audit", usage, {{"verify", "check the audit log's hash chain", runVerify}},
                       args, out);
}

}  // namespace

Command auditCommand() {
  return {"audit", "check the audit log's hash chain", runAudit};
}

}  // namespace hcbridge::cli
