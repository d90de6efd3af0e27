// The shape every `hcbridge` subcommand shares.
#pragma once

#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

namespace hcbridge::cli {

// Exit codes, documented in `hcbridge --help`.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // a typed hcbridge error, printed with its hint
inline constexpr int kExitUsage = 2;    // bad command-line arguments

struct Command {
  std::string name;
  std::string summary;
  // Runs with the arguments after the subcommand name; prints its own --help.
  std::function<int(const std::vector<std::string>& args, std::ostream& out)> run;
};

Command readersCommand();
Command apduCommand();
Command simCommand();
Command readCommand();
Command pinStatusCommand();
Command appsCommand();
Command auditCommand();
Command verifyTokenCommand();
Command verifyAssertionCommand();
Command doctorCommand();
Command browserPolicyCommand();

}  // namespace hcbridge::cli
