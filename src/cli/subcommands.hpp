// Commands with subcommands of their own (`hcbridge apps add`, `hcbridge audit verify`).
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "command.hpp"
#include "options.hpp"

namespace hcbridge::cli {

// Runs the subcommand named by args[0] with the rest of the arguments. On
// --help prints the usage with the list of subcommands; a missing or unknown one is
// Error(BadRequest).
int runSubcommand(const std::string& command, const Usage& usage,
                  const std::vector<Command>& subcommands, const std::vector<std::string>& args,
                  std::ostream& out);

}  // namespace hcbridge::cli
