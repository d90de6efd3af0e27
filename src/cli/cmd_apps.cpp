// hcbridge apps add NAME | list | remove NAME   [--keys FILE]
#include <cstdlib>
#include <iomanip>
#include <nlohmann/json.hpp>
#include <ostream>

#include "command.hpp"
#include "hcbridge/app_keys.hpp"
#include "hcbridge/error.hpp"
#include "options.hpp"
#include "subcommands.hpp"

namespace hcbridge::cli {
namespace {

const char* const kKeysEnvironment = "HCBRIDGE_APP_KEYS";

void addKeysOption(po::options_description& options) {
  options.add_options()("keys", po::value<std::string>(),
                        "application key file (default: $HCBRIDGE_APP_KEYS, else "
                        "/var/lib/hcbridge/app-keys.json)");
}

std::filesystem::path keysFile(const po::variables_map& values) {
  if (values.count("keys")) return values["keys"].as<std::string>();
  const char* fromEnvironment = std::getenv(kKeysEnvironment);
  if (fromEnvironment != nullptr && *fromEnvironment != '\0') return fromEnvironment;
  return kDefaultAppKeysFile;
}

const char* const kKeysNote =
    "The key file is --keys FILE, else $HCBRIDGE_APP_KEYS, else\n"
    "/var/lib/hcbridge/app-keys.json. It holds only hashes of the keys (mode 0600).";

int runAdd(const std::vector<std::string>& args, std::ostream& out) {
  po::options_description options("Options");
  addKeysOption(options);
  options.add_options()("name", po::value<std::string>()->required(), "the application's name");
  po::positional_options_description positional;
  positional.add("name", 1);
  po::variables_map values;
  const Usage usage{
      "hcbridge apps add NAME [--keys FILE]",
      std::string("Makes an application key for native software (not a browser) that calls\n"
                  "the hcbridged API, and prints it once. NAME (1-64 characters: letters,\n"
                  "digits, '.', '_', '-') is what the audit log records as the caller.\n") +
          kKeysNote,
      "  sudo hcbridge apps add pharmacy-pos\n"
      "  hcbridge apps add test-client --keys ./app-keys.json\n"};
  if (!parseOptions(args, options, positional, usage, values, out)) return kExitOk;
  const std::string name = values["name"].as<std::string>();
  auto store = AppKeyStore::open(keysFile(values));
  const std::string key = store.add(name);
  out << "Added application '" << name << "'. Its key:\n\n  " << key << "\n\n"
      << "This key will not be shown again: store it in the application's settings now.\n"
         "The application sends it with every request, in the header\n"
         "  Authorization: Bearer <key>\n"
         "Revoke it with 'hcbridge apps remove "
      << name << "'.\n";
  return kExitOk;
}

int runList(const std::vector<std::string>& args, std::ostream& out) {
  po::options_description options("Options");
  addKeysOption(options);
  options.add_options()("json", "print JSON");
  po::variables_map values;
  const Usage usage{"hcbridge apps list [--keys FILE] [--json]",
                    std::string("Lists the applications that have a key: name, when the key was\n"
                                "made, and a short fingerprint of its hash (never the key).\n") +
                        kKeysNote,
                    "  hcbridge apps list\n  hcbridge apps list --json\n"};
  if (!parseOptions(args, options, {}, usage, values, out)) return kExitOk;
  const std::filesystem::path file = keysFile(values);
  const auto apps = AppKeyStore::open(file).list();
  if (values.count("json")) {
    auto json = nlohmann::json::array();
    for (const auto& app : apps) {
      json.push_back(
          {{"name", app.name}, {"created", app.created}, {"fingerprint", app.fingerprint}});
    }
    out << nlohmann::json{{"apps", json}}.dump(2) << "\n";
    return kExitOk;
  }
  if (apps.empty()) {
    out << "No application keys in " << file.string() << ".\n";
    return kExitOk;
  }
  std::size_t width = 4;
  for (const auto& app : apps) width = std::max(width, app.name.size());
  out << std::left << std::setw(static_cast<int>(width)) << "NAME"
      << "  CREATED               FINGERPRINT\n";
  for (const auto& app : apps) {
    out << std::setw(static_cast<int>(width)) << app.name << "  " << std::setw(20) << app.created
        << "  " << app.fingerprint << "\n";
  }
  return kExitOk;
}

int runRemove(const std::vector<std::string>& args, std::ostream& out) {
  po::options_description options("Options");
  addKeysOption(options);
  options.add_options()("name", po::value<std::string>()->required(), "the application's name");
  po::positional_options_description positional;
  positional.add("name", 1);
  po::variables_map values;
  const Usage usage{
      "hcbridge apps remove NAME [--keys FILE]",
      std::string("Revokes the application's key: requests with it are refused.\n") + kKeysNote,
      "  sudo hcbridge apps remove pharmacy-pos\n"};
  if (!parseOptions(args, options, positional, usage, values, out)) return kExitOk;
  const std::string name = values["name"].as<std::string>();
  if (!isValidAppName(name)) {
    throw Error(Errc::BadRequest, "The application name is not valid",
                "See the names with 'hcbridge apps list'.");
  }
  const std::filesystem::path file = keysFile(values);
  auto store = AppKeyStore::open(file);
  if (!store.remove(name)) {
    throw Error(Errc::BadRequest, "No application named '" + name + "' in " + file.string(),
                "See the names with 'hcbridge apps list'.");
  }
  out << "Removed application '" << name << "'; its key no longer works.\n";
  return kExitOk;
}

int runApps(const std::vector<std::string>& args, std::ostream& out) {
  const Usage usage{
      "hcbridge apps add|list|remove [NAME] [--keys FILE]",
      "Manages the application keys with which native software (pharmacy or practice\n"
      "programs, not browsers) calls the hcbridged API.",
      "  sudo hcbridge apps add pharmacy-pos\n  hcbridge apps list\n"
      "  sudo hcbridge apps remove pharmacy-pos\n"};
  return runSubcommand("apps", usage,
                       {{"add", "make a key for an application and print it once", runAdd},
                        {"list", "list the applications that have a key", runList},
                        {"remove", "revoke an application's key", runRemove}},
                       args, out);
}

}  // namespace

Command appsCommand() {
  return {"apps", "manage application keys for native software", runApps};
}

}  // namespace hcbridge::cli
