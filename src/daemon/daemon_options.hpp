// hcbridged's command line, parsed with Boost.Program_options as hcbridge's
// subcommands are (src/cli/options.hpp). Apart from main so that unit tests
// reach it; Boost stays out of this header and out of daemon_config.hpp.
#pragma once

#include <string>
#include <vector>

#include "daemon_config.hpp"

namespace hcbridge::daemon {

// Reads every option: --listen PORT, --config FILE, --simulate, --allow-origin
// ORIGIN (repeatable), --version and --help (-h). --help and --version only set
// their flags: main prints helpText() or the version and exits 0.
// Throws Error(BadRequest) naming the option or argument at fault and pointing
// to --help (main exits 2); an --allow-origin that config's allowed_origins
// would refuse (auth::checkOriginForm) is refused the same way.
CommandLine parseOptions(const std::vector<std::string>& args);

// The --help text: synopsis, what hcbridged is, the options as
// Program_options lays them out, then notes on the config and signals.
std::string helpText();

}  // namespace hcbridge::daemon
