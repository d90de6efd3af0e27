// hcbridge apdu --reader NAME|INDEX HEX...
#include <nlohmann/json.hpp>
#include <ostream>

#include "command.hpp"
#include "hcbridge/apdu.hpp"
#include "hcbridge/error.hpp"
#include "hcbridge/pcsc_transport.hpp"
#include "options.hpp"
#include "reader_select.hpp"

namespace hcbridge::cli {
namespace {

// Commands that carry a PIN or PUK (VERIFY, CHANGE REFERENCE DATA, RESET
// RETRY COUNTER) are shown with their data masked, so no PIN reaches a
// terminal log.
std::string displayCommand(const apdu::CommandApdu& command) {
  std::string text = toHex(command.encode(), " ");
  const bool secret = command.ins == 0x20 || command.ins == 0x24 || command.ins == 0x2C;
  if (!secret) return text;
  const std::size_t dataStart = command.needsExtended() ? 7 : 5;  // header + Lc
  for (std::size_t i = dataStart; i < dataStart + command.data.size(); ++i) {
    text.replace(3 * i, 2, "**");  // byte i sits at 3*i in "XX XX ..."
  }
  return text;
}

// Parses every command before anything is sent, so a typo sends nothing.
std::vector<apdu::CommandApdu> parseCommands(const std::vector<std::string>& texts) {
  std::vector<apdu::CommandApdu> commands;
  for (std::size_t i = 0; i < texts.size(); ++i) {
    try {
      commands.push_back(apdu::CommandApdu::parse(fromHex(texts[i])));
    } catch (const Error& error) {
      throw Error(
          error.code(),
          "APDU " + std::to_string(i + 1) + " ('" + texts[i] + "') is not valid: " + error.what(),
          "Write each APDU as hex, e.g. '00 A4 04 00 07 D2 76 00 01 44 80 00' in quotes "
          "or 00A4040007D2760001448000.");
    }
  }
  return commands;
}

int runApdu(const std::vector<std::string>& args, std::ostream& out) {
  po::options_description options("Options");
  options.add_options()("reader,r", po::value<std::string>()->default_value(""),
                        "reader index or name (default: the only reader holding a card)")(
      "raw", "send the bytes as they are: no GET RESPONSE for 61xx, no re-send for 6Cxx")(
      "json", "print JSON")("apdu", po::value<std::vector<std::string>>()->required(),
                            "command APDUs in hex");
  po::positional_options_description positional;
  positional.add("apdu", -1);
  po::variables_map values;
  const Usage usage{
      "hcbridge apdu [--reader NAME|INDEX] [--raw] [--json] HEX...",
      "Sends command APDUs to the card, all in one exclusive transaction, and prints\n"
      "each response with the name of its status word. Stops at the first error of\n"
      "the reader or card (not at an error status word).",
      "  hcbridge apdu --reader 0 00A4040C07D2760001448000 00B0910000\n"
      "  hcbridge apdu -r 'Virtual PCD 00 00' '00 84 00 00 08'\n"};
  if (!parseOptions(args, options, positional, usage, values, out)) return kExitOk;
  const auto commands = parseCommands(values["apdu"].as<std::vector<std::string>>());
  const bool raw = values.count("raw") > 0;
  const bool json = values.count("json") > 0;

  auto transport = pcsc::makeTransport();
  const std::string reader = selectReader(*transport, values["reader"].as<std::string>());
  auto connection = transport->connect(reader, ShareMode::Shared);
  Transaction transaction(*connection);

  auto results = nlohmann::json::array();
  if (!json) out << "Reader: " << reader << "\n";
  for (const auto& command : commands) {
    const Bytes encoded = command.encode();
    apdu::ResponseApdu response = raw ? apdu::ResponseApdu::parse(connection->transmitRaw(encoded))
                                      : connection->transmit(command);
    if (json) {
      results.push_back({{"command", displayCommand(command)},
                         {"data", toHex(response.data)},
                         {"sw", toHex(Bytes{response.sw1(), response.sw2()})},
                         {"status", apdu::statusWordName(response.sw)}});
    } else {
      out << "> " << displayCommand(command) << "\n";
      if (!response.data.empty()) out << "< " << toHex(response.data, " ") << "\n";
      out << "< " << apdu::statusWordText(response.sw) << "\n";
    }
  }
  if (json) out << nlohmann::json{{"reader", reader}, {"responses", results}}.dump(2) << "\n";
  return kExitOk;
}

}  // namespace

Command apduCommand() {
  return {"apdu", "send command APDUs to a card and show the responses", runApdu};
}

}  // namespace hcbridge::cli
