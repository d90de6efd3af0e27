// hcbridge browser-policy [--config FILE] [--browser NAME] [--root DIR] --print|--write|--remove
#include <iostream>
#include <optional>
#include <ostream>

#include "browser_policy.hpp"
#include "command.hpp"
#include "daemon_config.hpp"
#include "hcbridge/error.hpp"
#include "local_host_names.hpp"
#include "options.hpp"
#include "origin_reach.hpp"
#include "policy_files.hpp"

namespace hcbridge::cli {
namespace {

namespace fs = std::filesystem;

const Usage kUsage{
    "hcbridge browser-policy [--config FILE] [--browser chromium|chrome|edge|firefox|all]\n"
    "                               [--root DIR] --print|--write|--remove",
    "Writes the managed browser policies that let the web applications in allowed_origins\n"
    "reach hcbridged without asking the user for Local Network Access (Chrome, Chromium and\n"
    "Edge 142+, WebSocket 147+; Firefox 153+). Only https origins get one: pages served from\n"
    "loopback (localhost, *.localhost, 127.x.x.x, [::1], http or https) need none and get\n"
    "none, and a page on plain http from another host can never reach hcbridged (a warning\n"
    "names it).\n\n"
    "  Chromium        /etc/chromium/policies/managed/hcbridge.json\n"
    "  Google Chrome   /etc/opt/chrome/policies/managed/hcbridge.json\n"
    "  Microsoft Edge  /etc/opt/edge/policies/managed/hcbridge.json\n"
    "                  {\"LoopbackNetworkAllowedForUrls\": [ORIGINS],\n"
    "                   \"LocalNetworkAccessAllowedForUrls\": [ORIGINS]}\n"
    "  Firefox         /etc/firefox/policies/policies.json: the origins' host names are\n"
    "                  merged into policies.LocalNetworkAccess.SkipDomains; every other\n"
    "                  policy and entry stays\n\n"
    "What hcbridge added to shared files is recorded in\n"
    "/var/lib/hcbridge-browser-policy/record.json: --write drops entries that are no\n"
    "longer wanted, --remove takes out only hcbridge's.\n"
    "Files are replaced atomically; when a folder cannot be written or policies.json does\n"
    "not parse, nothing is written.\n\n"
    "Run it after editing allowed_origins. The package runs it at install, and its\n"
    "hcbridge-browser-policy.path unit runs it when /etc/hcbridge/config.json changes.\n"
    "Browsers read policies at start: restart them, or reload chrome://policy.",
    "  hcbridge browser-policy --print                 (what --write would write)\n"
    "  sudo hcbridge browser-policy --write\n"
    "  sudo hcbridge browser-policy --browser firefox --remove\n"
    "  hcbridge browser-policy --root /srv/image --write   (an image being built)\n"};

void printSummary(const OriginSelection& origins, const fs::path& configFile) {
  std::string granted;
  for (const auto& origin : origins.https) granted += (granted.empty() ? "" : ", ") + origin;
  std::cerr << "hcbridge browser-policy: " << configFile.string()
            << ": https origins that get a policy: " << (granted.empty() ? "none" : granted)
            << "\n";
  for (const auto& origin : origins.loopback) {
    std::cerr << "hcbridge browser-policy: " << origin
              << " needs no policy: browsers do not check pages served from loopback\n";
  }
  for (const auto& origin : origins.plainHttp) {
    std::cerr << "hcbridge browser-policy: warning: " << daemon::plainHttpOriginWarning(origin)
              << "\n";
  }
}

void printPlan(std::ostream& out, const PolicyPlan& plan, const fs::path& root) {
  bool first = true;
  for (const auto& change : plan.changes) {
    if (!first) out << "\n";
    first = false;
    out << "# " << browserName(change.browser) << ": " << underRoot(root, change.file).string();
    if (change.wanted) {
      out << "\n" << *change.wanted;
    } else {
      out << ": no file\n";
    }
  }
}

// The daemon's own loader, so the file means the same to both; an absent
// default file means the service runs on its defaults (no origins). A broken
// config is a fault of the file, not of the command line: exit 1.
std::vector<std::string> allowedOrigins(const std::optional<fs::path>& configFile,
                                        const fs::path& defaultFile) {
  std::error_code absent;
  if (!configFile && !fs::exists(defaultFile, absent)) return {};
  try {
    return daemon::loadConfig(configFile ? *configFile : defaultFile).allowedOrigins;
  } catch (const Error& error) {
    throw Error(Errc::Internal, error.what(), error.hint());
  }
}

int runBrowserPolicy(const std::vector<std::string>& args, std::ostream& out) {
  po::options_description options("Options");
  options.add_options()("config", po::value<std::string>()->value_name("FILE"),
                        "the service's config file (default /etc/hcbridge/config.json, under "
                        "--root)")(
      "browser", po::value<std::string>()->default_value("all")->value_name("NAME"),
      "chromium, chrome, edge, firefox or all")(
      "root", po::value<std::string>()->default_value("/")->value_name("DIR"),
      "prefix every path with DIR (an image being built, tests)")(
      "print", "print each policy file as --write would write it; write nothing")(
      "write", "write the policies for the https origins of allowed_origins")(
      "remove", "remove hcbridge's policy files and SkipDomains entries");
  po::variables_map values;
  if (!parseOptions(args, options, {}, kUsage, values, out)) return kExitOk;
  const int actions =
      static_cast<int>(values.count("print") + values.count("write") + values.count("remove"));
  if (actions != 1) {
    throw Error(Errc::BadRequest, "Say what to do: one of --print, --write or --remove",
                "Usage: " + kUsage.synopsis + " (see --help)");
  }
  const std::vector<Browser> browsers = parseBrowsers(values["browser"].as<std::string>());
  const fs::path root = fs::absolute(values["root"].as<std::string>());
  const std::optional<fs::path> givenConfig =
      values.count("config") ? std::optional<fs::path>(values["config"].as<std::string>())
                             : std::nullopt;
  const fs::path defaultConfig = underRoot(root, daemon::kDefaultConfigFile);
  const fs::path configFile = givenConfig.value_or(defaultConfig);

  // Plan and apply under one lock: what is ours is read and written by one run at a time.
  std::optional<PolicyLock> lock;
  if (!values.count("print")) lock.emplace(root);
  if (values.count("remove")) {
    const PolicyPlan plan = planPolicies(PolicyAction::Remove, browsers, {}, configFile, root);
    const auto lines = applyPolicies(plan, root);
    for (const auto& line : lines) out << line << "\n";
    if (lines.empty()) out << "nothing of hcbridge's to remove\n";
    return kExitOk;
  }
  // An absent default file means the service runs on its defaults: no origins.
  const OriginSelection origins =
      selectOrigins(allowedOrigins(givenConfig, defaultConfig), localHostNames(root));
  printSummary(origins, configFile);
  const PolicyPlan plan =
      planPolicies(PolicyAction::Write, browsers, origins.https, configFile, root);
  if (values.count("print")) {
    printPlan(out, plan, root);
    return kExitOk;
  }
  for (const auto& line : applyPolicies(plan, root)) out << line << "\n";
  return kExitOk;
}

}  // namespace

Command browserPolicyCommand() {
  return {"browser-policy", "browser policies that let allowed_origins reach hcbridged (LNA)",
          runBrowserPolicy};
}

}  // namespace hcbridge::cli
