// hcbridge read [--reader R] [--json]   and   hcbridge pin-status [--reader R] [--json]
#include <nlohmann/json.hpp>
#include <ostream>

#include "card_output.hpp"
#include "command.hpp"
#include "hcbridge/api/model_json.hpp"
#include "hcbridge/drivers.hpp"
#include "hcbridge/pcsc_transport.hpp"
#include "options.hpp"
#include "reader_select.hpp"

namespace hcbridge::cli {
namespace {

struct CardOptions {
  std::string reader;
  bool json = false;
};

bool parseCardOptions(const std::vector<std::string>& args, const Usage& usage, CardOptions& out,
                      std::ostream& stream) {
  po::options_description options("Options");
  options.add_options()("reader,r", po::value<std::string>()->default_value(""),
                        "reader index or name (default: the only reader holding a card)")(
      "json", "print JSON");
  po::variables_map values;
  if (!parseOptions(args, options, {}, usage, values, stream)) return false;
  out.reader = values["reader"].as<std::string>();
  out.json = values.count("json") > 0;
  return true;
}

int runRead(const std::vector<std::string>& args, std::ostream& out) {
  CardOptions options;
  const Usage usage{
      "hcbridge read [--reader NAME|INDEX] [--json]",
      "Reads the card in a reader without a PIN and prints it: the patient's\n"
      "insurance data (Carte Vitale, eGK) or the practitioner's identity (CPS, HBA).",
      "  hcbridge read\n  hcbridge read --reader 1 --json\n"};
  if (!parseCardOptions(args, usage, options, out)) return kExitOk;
  auto transport = pcsc::makeTransport();
  const auto registry = makeDefaultRegistry();
  auto connection = transport->connect(selectReader(*transport, options.reader));
  Transaction transaction(*connection);
  const CardDriver& driver = registry.identify(*connection);
  const CardModel model = driver.read(*connection);
  if (options.json) {
    out << api::toJson(model).dump(2) << "\n";
  } else {
    printCard(out, model);
  }
  return kExitOk;
}

int runPinStatus(const std::vector<std::string>& args, std::ostream& out) {
  CardOptions options;
  const Usage usage{
      "hcbridge pin-status [--reader NAME|INDEX] [--json]",
      "Shows how many PIN tries the practitioner card (CPS, HBA) has left, without\n"
      "trying a PIN. Patient cards have no PIN in hcbridge.",
      "  hcbridge pin-status --reader 0\n"};
  if (!parseCardOptions(args, usage, options, out)) return kExitOk;
  auto transport = pcsc::makeTransport();
  const auto registry = makeDefaultRegistry();
  auto connection = transport->connect(selectReader(*transport, options.reader));
  Transaction transaction(*connection);
  const PinStatus status = registry.identify(*connection).pinStatus(*connection);
  if (options.json) {
    out << api::toJson(status).dump(2) << "\n";
  } else {
    printPinStatus(out, status);
  }
  return kExitOk;
}

}  // namespace

Command readCommand() { return {"read", "read the card in a reader (no PIN needed)", runRead}; }
Command pinStatusCommand() {
  return {"pin-status", "show the PIN tries left on a practitioner card", runPinStatus};
}

}  // namespace hcbridge::cli
