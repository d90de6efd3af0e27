// hcbridge audit show --reader N [--log FILE] [--serial-key FILE] [--json]
// Reads the card, hashes its serial with the installation's serial key as
// the service does, and lists the audit lines about that card: the log holds
// no identity, only the hash.
#include "audit_show.hpp"

#include <nlohmann/json.hpp>
#include <variant>

#include "command.hpp"
#include "daemon_config.hpp"
#include "hcbridge/audit_key.hpp"
#include "hcbridge/core/serial_hasher.hpp"
#include "hcbridge/drivers.hpp"
#include "hcbridge/error.hpp"
#include "hcbridge/pcsc_transport.hpp"
#include "options.hpp"
#include "reader_select.hpp"

namespace hcbridge::cli {
namespace {

// The serial of the patient card in the reader; a practitioner card is not
// what the audit log is about.
std::string patientCardSerial(const std::string& wanted) {
  auto transport = pcsc::makeTransport();
  const auto registry = makeDefaultRegistry();
  const std::string reader = selectReader(*transport, wanted);
  auto connection = transport->connect(reader);
  Transaction transaction(*connection);
  const CardModel model = registry.identify(*connection).read(*connection);
  const auto* patient = std::get_if<PatientCard>(&model);
  if (patient == nullptr) {
    throw Error(Errc::OperationUnsupported,
                "The card in reader '" + reader + "' is a practitioner card",
                "The audit log records accesses to patient cards: insert the patient's card "
                "(Carte Vitale, eGK) and name its reader with --reader.");
  }
  return patient->cardSerial;
}

std::string serialHashOf(const std::string& serial, const std::filesystem::path& keyFile) {
  const core::SerialHasher hasher(readKeyFile(
      keyFile, "serial key",
      "The serial key is readable only by root and the service user hcbridge (mode 0600): run "
      "the command with sudo, or name the service's \"serial_key_file\" with --serial-key FILE."));
  return hasher.hash(serial);
}

nlohmann::ordered_json toJson(const AuditAccess& access) {
  nlohmann::ordered_json json;
  json["seq"] = access.seq;
  json["time"] = access.time;
  json["action"] = access.action;
  json["caller"] = access.caller;
  json["practitioner"] = access.practitioner ? nlohmann::ordered_json(*access.practitioner)
                                             : nlohmann::ordered_json(nullptr);
  json["fields"] = access.fields;
  json["outcome"] = access.outcome;
  if (access.purpose) json["purpose"] = *access.purpose;
  if (access.justification) json["justification"] = *access.justification;
  return json;
}

std::string joined(const std::vector<std::string>& names) {
  std::string text;
  for (const auto& name : names) text += (text.empty() ? "" : ", ") + name;
  return text.empty() ? "-" : text;
}

}  // namespace

void printCardAccesses(std::ostream& out, std::string_view serialHash,
                       const std::vector<AuditAccess>& accesses, bool json) {
  if (json) {
    nlohmann::ordered_json document;
    document["cardSerialHash"] = serialHash;
    document["accesses"] = nlohmann::ordered_json::array();
    for (const auto& access : accesses) document["accesses"].push_back(toJson(access));
    out << document.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << "\n";
    return;
  }
  if (accesses.empty()) {
    out << "No access to this card is recorded on this workstation.\n";
    return;
  }
  out << accesses.size() << (accesses.size() == 1 ? " access" : " accesses")
      << " to this card recorded on this workstation"
      << (accesses.size() == kMaxCardAccesses ? " (the newest ones)" : "") << ":\n";
  for (const auto& access : accesses) {
    out << "\n"
        << access.time << "  " << access.action << "  " << access.outcome << "\n"
        << "  by:      " << access.caller;
    if (access.practitioner) out << ", practitioner " << *access.practitioner;
    out << "\n  fields:  " << joined(access.fields) << "\n";
    if (access.purpose) out << "  purpose: " << *access.purpose << "\n";
    if (access.justification) out << "  why:     " << *access.justification << "\n";
  }
}

int runAuditShow(const std::vector<std::string>& args, std::ostream& out) {
  po::options_description options("Options");
  options.add_options()("reader,r", po::value<std::string>()->default_value(""),
                        "reader index or name (default: the only reader holding a card)")(
      "log", po::value<std::string>()->default_value(daemon::kDefaultAuditLog), "the audit log")(
      "serial-key", po::value<std::string>()->default_value(daemon::kDefaultSerialKeyFile),
      "the installation's serial key, with which the service hashes serials")("json", "print JSON");
  po::variables_map values;
  const Usage usage{
      "hcbridge audit show [--reader NAME|INDEX] [--log FILE] [--serial-key FILE] [--json]",
      "Shows the patient whose card is in the reader every access to that card's data\n"
      "recorded on this workstation: when, which application, which practitioner,\n"
      "which fields (names only) and for what purpose (the newest 500). The log holds\n"
      "no identity: the card is found through its serial's hash, made with the\n"
      "installation's serial key. The key and the log are readable by root only.",
      "  sudo hcbridge audit show --reader 0\n"
      "  sudo hcbridge audit show --reader 0 --json\n"};
  if (!parseOptions(args, options, {}, usage, values, out)) return kExitOk;
  const std::string serial = patientCardSerial(values["reader"].as<std::string>());
  const std::string hash = serialHashOf(serial, values["serial-key"].as<std::string>());
  printCardAccesses(out, hash, findCardAccesses(values["log"].as<std::string>(), hash),
                    values.count("json") > 0);
  return kExitOk;
}

}  // namespace hcbridge::cli
