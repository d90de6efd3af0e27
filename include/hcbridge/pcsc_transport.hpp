// The PC/SC transport: the only code in hcbridge that calls libpcsclite.
#pragma once

#include <chrono>
#include <memory>

#include "hcbridge/transport.hpp"

namespace hcbridge::pcsc {

struct Options {
  // While pcscd is unreachable, a watcher retries with exponential backoff
  // between these bounds, then resumes delivering events by itself.
  std::chrono::milliseconds reconnectMinDelay{50};
  std::chrono::milliseconds reconnectMaxDelay{2000};
};

// Never throws: pcscd need not be running yet. Calls report
// Error(PcscUnavailable) while it is not.
std::unique_ptr<Transport> makeTransport(const Options& options = {});

}  // namespace hcbridge::pcsc
