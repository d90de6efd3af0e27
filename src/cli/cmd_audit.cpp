// hcbridge audit verify FILE [--key FILE] [--checkpoint SEQ:HEAD]... [--checkpoints FILE|-]
// and the `audit` command that also holds `audit show` (audit_show.cpp).
#include <fstream>
#include <iostream>
#include <iterator>
#include <ostream>

#include "audit_show.hpp"
#include "command.hpp"
#include "daemon_config.hpp"
#include "hcbridge/audit_log.hpp"
#include "hcbridge/error.hpp"
#include "options.hpp"
#include "subcommands.hpp"

namespace hcbridge::cli {
namespace {

std::string readCheckpoints(const std::string& source) {
  if (source == "-") return {std::istreambuf_iterator<char>(std::cin), {}};
  std::ifstream in(source, std::ios::binary);
  if (!in) {
    throw Error(Errc::BadRequest, "Cannot read the checkpoints file " + source,
                "Give the checkpoint file named by \"audit_checkpoint_file\", or '-' to read "
                "'journalctl -u hcbridged' output piped in.");
  }
  return {std::istreambuf_iterator<char>(in), {}};
}

// What the verdict says about the lines' format and the checkpoints.
std::string describe(const AuditVerifyResult& result) {
  std::string text;
  if (result.unkeyedLines == 0) {
    text = result.lines == 0 ? "" : " (keyed, HMAC-SHA-256)";
  } else if (result.unkeyedLines == result.lines) {
    text =
        "\nunkeyed (SHA-256 chain, hcbridge 0.1 format): integrity not protected against "
        "someone with write access";
  } else {
    text = "\nlines 1-" + std::to_string(result.unkeyedLines) +
           " unkeyed (SHA-256 chain, hcbridge 0.1 format), then keyed (HMAC-SHA-256) from line " +
           std::to_string(result.unkeyedLines + 1) +
           " (an upgrade); the first keyed line anchors the unkeyed ones";
  }
  if (result.checkpointsCompared > 0) {
    text += "\n" + std::to_string(result.checkpointsCompared) +
            (result.checkpointsCompared == 1 ? " checkpoint matches" : " checkpoints match");
  } else {
    text += "\nno checkpoint compared: lines cut off the end would not show (see --checkpoints)";
  }
  if (result.checkpointsOfEarlierLogs > 0) {
    text += "\n" + std::to_string(result.checkpointsOfEarlierLogs) +
            " checkpoints before the last new-log mark (seq 0) belong to an earlier log: not "
            "compared";
  }
  return text;
}

int runVerify(const std::vector<std::string>& args, std::ostream& out) {
  po::options_description options("Options");
  options.add_options()("file", po::value<std::string>()->required(), "the audit log to check")(
      "key", po::value<std::string>()->default_value(daemon::kDefaultAuditKeyFile),
      "the installation's audit key (mode 0600: root or the hcbridge user)")(
      "checkpoint", po::value<std::vector<std::string>>()->composing(),
      "SEQ:HEAD from a line 'audit checkpoint seq=SEQ head=HEAD' (repeatable)")(
      "checkpoints", po::value<std::string>(),
      "read every checkpoint from this file, or '-' for standard input (journalctl output)");
  po::positional_options_description positional;
  positional.add("file", 1);
  po::variables_map values;
  const Usage usage{
      "hcbridge audit verify FILE [--key FILE] [--checkpoint SEQ:HEAD]... [--checkpoints FILE|-]",
      "Checks an hcbridged audit log. Each line is numbered, carries the previous line's\n"
      "MAC and its own HMAC-SHA-256 made with the installation's audit key, so an edited,\n"
      "deleted, inserted or reordered line, or one written without the key, is named\n"
      "with the reason (exit 1). Lines of the format before the audit key (SHA-256 chain)\n"
      "are still checked and reported as unkeyed.\n"
      "Lines cut off the end leave a shorter valid log: hcbridged writes a checkpoint\n"
      "'audit checkpoint seq=N head=MAC' to its journal every audit_checkpoint_every lines\n"
      "(100) and when it stops. Give them with --checkpoints (journal or checkpoint file)\n"
      "or --checkpoint: a log that ends before a checkpoint is 'truncated', one whose line\n"
      "differs from it 'forged'. The key and the log are readable by root only: use sudo.",
      "  sudo hcbridge audit verify /var/log/hcbridge/audit.log\n"
      "  sudo journalctl -u hcbridged -o cat | sudo hcbridge audit verify "
      "/var/log/hcbridge/audit.log --checkpoints -\n"
      "  sudo hcbridge audit verify /var/log/hcbridge/audit.log --checkpoint 1200:ab12...\n"
      "  hcbridge audit verify archive/audit.log --key archive/audit.key\n"};
  if (!parseOptions(args, options, positional, usage, values, out)) return kExitOk;

  AuditVerifyOptions verify;
  if (values.count("checkpoints")) {
    verify.checkpoints = parseCheckpoints(readCheckpoints(values["checkpoints"].as<std::string>()));
  }
  if (values.count("checkpoint")) {
    for (const auto& text : values["checkpoint"].as<std::vector<std::string>>()) {
      verify.checkpoints.push_back(parseCheckpointArgument(text));
    }
  }
  // An unkeyed (old) log needs no key: the key's absence only matters when
  // the log has keyed lines, and then its error says how to read it.
  std::optional<AuditKey> key;
  std::optional<Error> keyError;
  try {
    key.emplace(AuditKey::load(values["key"].as<std::string>()));
  } catch (const Error& error) {
    keyError = error;
  }
  verify.key = key ? &*key : nullptr;
  const AuditVerifyResult result = verifyAuditLog(values["file"].as<std::string>(), verify);
  if (result.keyNeeded && keyError) throw *keyError;
  if (!result.ok) {
    out << "line " << result.firstBrokenLine << ": " << result.reason << "\n";
    return kExitFailure;
  }
  out << result.lines << (result.lines == 1 ? " line" : " lines") << ", chain intact"
      << describe(result) << "\n";
  return kExitOk;
}

int runAudit(const std::vector<std::string>& args, std::ostream& out) {
  const Usage usage{"hcbridge audit verify|show ...",
                    "Works with the keyed audit log that hcbridged writes for every read of\n"
                    "patient data: checks it, or shows a patient the accesses to their card.",
                    "  sudo hcbridge audit verify /var/log/hcbridge/audit.log\n"
                    "  sudo hcbridge audit show --reader 0\n"};
  return runSubcommand("audit", usage,
                       {{"verify", "check the audit log's keyed chain and checkpoints", runVerify},
                        {"show", "list the accesses to the card in a reader", runAuditShow}},
                       args, out);
}

}  // namespace

Command auditCommand() {
  return {"audit", "check the audit log, or show the accesses to a card", runAudit};
}

}  // namespace hcbridge::cli
