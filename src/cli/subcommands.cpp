#include "subcommands.hpp"

#include <algorithm>
#include <ostream>

#include "hcbridge/error.hpp"

namespace hcbridge::cli {
namespace {

std::string names(const std::vector<Command>& subcommands) {
  std::string text;
  for (const auto& subcommand : subcommands) {
    if (!text.empty()) text += ", ";
    text += subcommand.name;
  }
  return text;
}

}  // namespace

int runSubcommand(const std::string& command, const Usage& usage,
                  const std::vector<Command>& subcommands, const std::vector<std::string>& args,
                  std::ostream& out) {
  const std::string seeHelp = "See 'hcbridge " + command + " --help'.";
  if (args.empty()) {
    throw Error(Errc::BadRequest, "A subcommand is needed: " + names(subcommands), seeHelp);
  }
  if (args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    out << "Usage: " << usage.synopsis << "\n       hcbridge " << command
        << " SUBCOMMAND --help\n\n"
        << usage.description << "\n\nSubcommands:\n";
    for (const auto& subcommand : subcommands) {
      out << "  " << subcommand.name
          << std::string(10 - std::min<std::size_t>(9, subcommand.name.size()), ' ')
          << subcommand.summary << "\n";
    }
    if (!usage.examples.empty()) out << "\nExamples:\n" << usage.examples;
    return kExitOk;
  }
  for (const auto& subcommand : subcommands) {
    if (subcommand.name == args[0]) return subcommand.run({args.begin() + 1, args.end()}, out);
  }
  throw Error(Errc::BadRequest, "Unknown subcommand '" + command + " " + args[0] + "'",
              "Subcommands: " + names(subcommands) + ". " + seeHelp);
}

}  // namespace hcbridge::cli
