// Command-line parsing shared by the subcommands (Boost.Program_options).
#pragma once

#include <boost/program_options.hpp>
#include <iosfwd>
#include <string>
#include <vector>

namespace hcbridge::cli {

namespace po = boost::program_options;

struct Usage {
  std::string synopsis;     // "hcbridge readers [--json] [--watch]"
  std::string description;  // what it does, a few lines
  std::string examples;     // optional, printed last
};

// Parses `args`; on --help prints usage and returns false (the command then
// exits 0). Throws Error(BadRequest) with the usage line on a parse error.
bool parseOptions(const std::vector<std::string>& args, po::options_description& options,
                  const po::positional_options_description& positional, const Usage& usage,
                  po::variables_map& values, std::ostream& out);

}  // namespace hcbridge::cli
