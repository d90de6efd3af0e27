// Builds the service from its settings (transport, reader manager, audit
// log, application keys, server) and runs it until SIGTERM or SIGINT.
#pragma once

#include <ostream>

#include "daemon_config.hpp"
#include "hcbridge/signal_waiter.hpp"

namespace hcbridge::daemon {

// Prints the start line(s) to `out`, logs to stderr, returns the exit code.
// Throws hcbridge::Error when the service cannot start.
int runDaemon(const Settings& settings, std::ostream& out, SignalWaiter& signals);

}  // namespace hcbridge::daemon
