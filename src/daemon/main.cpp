// hcbridged: the hcbridge service (see docs/architecture.md, "hcbridged").
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "daemon.hpp"
#include "daemon_options.hpp"
#include "hcbridge/core/module_hang.hpp"
#include "hcbridge/error.hpp"
#include "hcbridge/version.hpp"

namespace {

constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

std::optional<std::string> getEnv(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::nullopt : std::optional<std::string>(value);
}

void printError(const hcbridge::Error& error) {
  std::cerr << "hcbridged: " << error.what() << " [" << error.id() << "]\n";
  if (!error.hint().empty()) std::cerr << "  " << error.hint() << "\n";
}

// After a PKCS#11 module hung, its thread is still inside it: exit's
// finalisers (the module's own among them) would free what that thread uses.
// Everything of ours is closed by now (the audit log is durable), so end
// without them.
int ended(int status) {
  if (hcbridge::core::aPkcs11ModuleHung()) {
    std::cout.flush();
    std::cerr.flush();
    std::fflush(nullptr);
    std::_Exit(status);
  }
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace hcbridge::daemon;
  hcbridge::SignalWaiter signals;  // first: every later thread inherits the blocked signals
  Settings settings;
  try {
    const CommandLine commandLine = parseOptions({argv + 1, argv + argc});
    if (commandLine.help) {
      std::cout << helpText();
      return 0;
    }
    if (commandLine.version) {
      std::cout << "hcbridged " << hcbridge::kVersion << "\n";
      return 0;
    }
    settings = resolveSettings(commandLine, loadConfig(commandLine.configFile), getEnv);
  } catch (const hcbridge::Error& error) {
    printError(error);
    return kExitUsage;
  }
  try {
    return ended(runDaemon(settings, std::cout, signals));
  } catch (const hcbridge::Error& error) {
    printError(error);
    // A configured module that does not load is a config error: restarting
    // the service will not mend it (the unit does not restart on exit 2).
    if (error.code() == hcbridge::Errc::Pkcs11ModuleFailed) return ended(kExitUsage);
  } catch (const std::exception& error) {
    std::cerr << "hcbridged: " << error.what() << "\n";
  }
  return ended(kExitFailure);
}
