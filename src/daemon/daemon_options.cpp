#include "daemon_options.hpp"

#include <boost/program_options.hpp>
#include <charconv>
#include <sstream>

#include "hcbridge/auth/tokens.hpp"
#include "hcbridge/error.hpp"

namespace hcbridge::daemon {
namespace {

namespace po = boost::program_options;
namespace style = po::command_line_style;

constexpr const char* kSynopsis =
    "hcbridged [--listen PORT] [--config FILE] [--simulate] [--allow-origin ORIGIN]... "
    "[--pkcs11-module PATH]";

Error usageError(const std::string& message) {
  return Error(Errc::BadRequest, message, "See hcbridged --help.");
}

// What --help lists; parsing also takes the hidden positional "argument".
po::options_description visibleOptions() {
  const std::string listen =
      "port to listen on (default " + std::to_string(kDefaultPort) + "; 0 picks a free one)";
  const std::string config =
      std::string("config file (default ") + kDefaultConfigFile + ", optional)";
  po::options_description options("Options");
  options.add_options()("listen", po::value<std::string>()->value_name("PORT"), listen.c_str())(
      "config", po::value<std::string>()->value_name("FILE"), config.c_str())(
      "simulate",
      "simulated readers: the demo Vitale card in the first, the demo CPS card (PIN 1234) in "
      "the second; trusts their TEST PKI; state files default to $XDG_STATE_HOME/hcbridge")(
      "allow-origin", po::value<std::vector<std::string>>()->value_name("ORIGIN"),
      "also allow this web origin (repeatable), e.g. http://localhost:3000")(
      "pkcs11-module", po::value<std::string>()->value_name("PATH"),
      "practitioner cards through this PKCS#11 module (replaces practitioner_pkcs11.module), "
      "e.g. /usr/lib/x86_64-linux-gnu/opensc-pkcs11.so")("version", "print the version")(
      "help,h", "show this help");
  return options;
}

std::uint16_t portNumber(const std::string& text) {
  unsigned port = 0;
  const char* end = text.data() + text.size();
  const auto [stop, failure] = std::from_chars(text.data(), end, port);
  if (failure == std::errc() && stop == end && !text.empty() && port <= 65535) {
    return static_cast<std::uint16_t>(port);
  }
  throw Error(
      Errc::BadRequest, "--listen '" + text + "' is not a port number",
      "Give 1 to 65535 (0 picks a free port), e.g. --listen " + std::to_string(kDefaultPort) + ".");
}

// The check config's allowed_origins gets (auth::checkOriginForm), so that
// the command line cannot allow what the file would refuse: "null" (what a
// sandboxed iframe or a file:// page sends), a path, a bare host, "*".
std::string allowedOrigin(const std::string& origin) {
  try {
    auth::checkOriginForm(origin);
  } catch (const Error& error) {
    throw Error(Errc::BadRequest, std::string("--allow-origin: ") + error.what(),
                "Give the origin exactly as the browser sends it, scheme://host[:port] in "
                "lower case with nothing after it, e.g. --allow-origin https://records.example.org "
                "or --allow-origin http://localhost:3000. See hcbridged --help.");
  }
  return origin;
}

// Whether `word` is one of the options ("--simulate", "--listen=1", "-h").
bool isOption(const std::string& word, const po::options_description& options) {
  if (word.size() < 2 || word[0] != '-') return false;
  const std::string name = word[1] == '-' ? word.substr(2, word.find('=') - 2) : word.substr(0, 2);
  return options.find_nothrow(name, false) != nullptr;
}

// Boost 1.74 takes the word after --config as its value even when that word
// is an option ("--allow-origin --simulate"); newer Boost refuses it as a
// missing value, and so does hcbridged whichever Boost it is built with.
void refuseOptionsAsValues(const po::variables_map& values,
                           const po::options_description& options) {
  std::vector<std::pair<std::string, std::string>> given;
  for (const char* name : {"listen", "config", "pkcs11-module"}) {
    if (values.count(name)) given.emplace_back(name, values[name].as<std::string>());
  }
  if (values.count("allow-origin")) {
    for (const auto& origin : values["allow-origin"].as<std::vector<std::string>>()) {
      given.emplace_back("allow-origin", origin);
    }
  }
  for (const auto& [name, value] : given) {
    if (isOption(value, options)) throw usageError("--" + name + " needs a value");
  }
}

// Program_options' own messages, but for the two a typo most often causes:
// those keep hcbridged's wording ("unknown argument", "needs a value").
po::variables_map store(const std::vector<std::string>& args) {
  const po::options_description visible = visibleOptions();
  po::options_description options;
  options.add(visible).add_options()("argument", po::value<std::vector<std::string>>());
  po::positional_options_description positional;
  positional.add("argument", -1);
  po::variables_map values;
  try {
    // No guessing: an abbreviation in a unit file must not start to mean
    // another option when one is added.
    po::store(po::command_line_parser(args)
                  .options(options)
                  .positional(positional)
                  .style(style::default_style & ~style::allow_guessing)
                  .run(),
              values);
    po::notify(values);
  } catch (const po::unknown_option& error) {
    throw usageError("unknown argument '" + error.get_option_name() + "'");
  } catch (const po::invalid_command_line_syntax& error) {
    if (error.kind() != po::invalid_syntax::missing_parameter &&
        error.kind() != po::invalid_syntax::empty_adjacent_parameter) {
      throw usageError(error.what());
    }
    throw usageError(error.get_option_name() + " needs a value");
  } catch (const po::error& error) {
    throw usageError(error.what());
  }
  refuseOptionsAsValues(values, visible);
  if (values.count("argument")) {
    throw usageError("unknown argument '" +
                     values["argument"].as<std::vector<std::string>>().front() + "'");
  }
  return values;
}

}  // namespace

CommandLine parseOptions(const std::vector<std::string>& args) {
  const po::variables_map values = store(args);
  CommandLine result;
  result.help = values.count("help") > 0;
  result.version = values.count("version") > 0;
  result.simulate = values.count("simulate") > 0;
  if (values.count("listen")) result.listenPort = portNumber(values["listen"].as<std::string>());
  if (values.count("pkcs11-module")) {
    result.pkcs11Module = values["pkcs11-module"].as<std::string>();
  }
  if (values.count("config")) result.configFile = values["config"].as<std::string>();
  if (values.count("allow-origin")) {
    for (const auto& origin : values["allow-origin"].as<std::vector<std::string>>()) {
      result.allowOrigins.push_back(allowedOrigin(origin));
    }
  }
  return result;
}

std::string helpText() {
  std::ostringstream out;
  out << "Usage: " << kSynopsis
      << "\n\nThe hcbridge service: the card readers' HTTP/WebSocket API on 127.0.0.1 and "
         "[::1].\n\n";
  // One column wider than Program_options lays it out: two spaces after the
  // longest option, which help2man needs to tell it from its text (man page).
  const po::options_description options = visibleOptions();
  options.print(out, options.get_option_column_width() + 1);
  out << "\nPractitioner sessions need \"practitioner_trust\" (the card CA's certificates and\n"
         "CRLs) in the config; docs/architecture.md lists every config key.\n"
         "Practitioner cards are read by hcbridge's own drivers, or with --pkcs11-module (or\n"
         "\"practitioner_pkcs11\") through the card middleware's PKCS#11 module: CPS4 with\n"
         "Cryptolib CPS, CPS3 with OpenSC (docs/install.md, \"Practitioner cards through\n"
         "PKCS#11\"); `hcbridge doctor` shows what the module sees.\n"
         "Signals: SIGTERM/SIGINT stop gracefully; SIGHUP reloads the application keys and\n"
         "allowed origins (an invalid config file is refused and the old one kept).\n";
  return out.str();
}

}  // namespace hcbridge::daemon
