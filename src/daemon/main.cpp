// hcbridged: the hcbridge service (see docs/architecture.md, "hcbridged").
#include <cstdlib>
#include <iostream>

#include "daemon.hpp"
#include "daemon_options.hpp"
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
    return runDaemon(settings, std::cout, signals);
  } catch (const hcbridge::Error& error) {
    printError(error);
    // A configured module that does not load is a config error: restarting
    // the service will not mend it (the unit does not restart on exit 2).
    if (error.code() == hcbridge::Errc::Pkcs11ModuleFailed) return kExitUsage;
  } catch (const std::exception& error) {
    std::cerr << "hcbridged: " << error.what() << "\n";
  }
  return kExitFailure;
}
