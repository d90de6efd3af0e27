// hcbridge: the command-line tool. Dispatches to one subcommand and turns
// every hcbridge::Error into one clear message, its hint and exit code 1.
#include <algorithm>
#include <iostream>
#include <string>
#include <vector>

#include "command.hpp"
#include "hcbridge/drivers.hpp"
#include "hcbridge/error.hpp"
#include "hcbridge/version.hpp"

namespace {

using hcbridge::cli::Command;

std::vector<Command> commands() {
  return {hcbridge::cli::readersCommand(),
          hcbridge::cli::readCommand(),
          hcbridge::cli::pinStatusCommand(),
          hcbridge::cli::apduCommand(),
          hcbridge::cli::simCommand(),
          hcbridge::cli::appsCommand(),
          hcbridge::cli::auditCommand(),
          hcbridge::cli::verifyTokenCommand(),
          hcbridge::cli::verifyAssertionCommand(),
          hcbridge::cli::doctorCommand(),
          hcbridge::cli::browserPolicyCommand()};
}

void printHelp(std::ostream& out) {
  out << "hcbridge " << hcbridge::kVersion
      << " - health-card bridge: readers, cards, simulated cards,\n"
         "application keys, the audit log, authentication tokens, the\n"
         "installation's health (doctor) and the browsers' policies\n\n"
         "Usage: hcbridge COMMAND [OPTIONS]\n"
         "       hcbridge COMMAND --help\n\nCommands:\n";
  // Names are padded to the longest one (verify-assertion) plus two spaces.
  std::size_t width = 0;
  for (const auto& command : commands()) width = std::max(width, command.name.size() + 2);
  for (const auto& command : commands()) {
    out << "  " << command.name << std::string(width - command.name.size(), ' ') << command.summary
        << "\n";
  }
  out << "\nExit codes: 0 success, 1 error (the message says what to do), 2 bad arguments.\n"
         "Cards and readers are reached through pcscd (PC/SC).\n";
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  hcbridge::drivers::registerSimProfiles();
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    printHelp(std::cout);
    return args.empty() ? hcbridge::cli::kExitUsage : hcbridge::cli::kExitOk;
  }
  if (args[0] == "--version") {
    std::cout << "hcbridge " << hcbridge::kVersion << "\n";
    return hcbridge::cli::kExitOk;
  }
  for (const auto& command : commands()) {
    if (command.name != args[0]) continue;
    try {
      return command.run({args.begin() + 1, args.end()}, std::cout);
    } catch (const hcbridge::Error& error) {
      std::cout.flush();
      std::cerr << "hcbridge " << command.name << ": " << error.what() << " [" << error.id()
                << "]\n";
      if (!error.hint().empty()) std::cerr << error.hint() << "\n";
      return error.code() == hcbridge::Errc::BadRequest ? hcbridge::cli::kExitUsage
                                                        : hcbridge::cli::kExitFailure;
    } catch (const std::exception& error) {
      std::cerr << "hcbridge " << command.name << ": unexpected error: " << error.what() << "\n";
      return hcbridge::cli::kExitFailure;
    }
  }
  std::cerr << "hcbridge: unknown command '" << args[0] << "'\n\n";
  printHelp(std::cerr);
  return hcbridge::cli::kExitUsage;
}
