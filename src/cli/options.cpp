#include "options.hpp"

#include <ostream>

#include "hcbridge/error.hpp"

namespace hcbridge::cli {

bool parseOptions(const std::vector<std::string>& args, po::options_description& options,
                  const po::positional_options_description& positional, const Usage& usage,
                  po::variables_map& values, std::ostream& out) {
  options.add_options()("help,h", "show this help and exit");
  try {
    po::store(po::command_line_parser(args).options(options).positional(positional).run(),
              values);
    if (values.count("help")) {
      out << "Usage: " << usage.synopsis << "\n\n" << usage.description << "\n\n" << options;
      if (!usage.examples.empty()) out << "\nExamples:\n" << usage.examples;
      return false;
    }
    po::notify(values);
  } catch (const po::error& error) {
    throw Error(Errc::BadRequest, error.what(),
                "Usage: " + usage.synopsis + " (see --help)");
  }
  return true;
}

}  // namespace hcbridge::cli
