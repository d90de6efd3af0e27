// hcbridge sim --card PROFILE [--slot 0|1] [--vpcd HOST:PORT]
#include <condition_variable>
#include <mutex>
#include <ostream>
#include <string>

#include "command.hpp"
#include "hcbridge/error.hpp"
#include "hcbridge/sim/profile.hpp"
#include "hcbridge/sim/vpcd_client.hpp"
#include "interrupt.hpp"
#include "options.hpp"

namespace hcbridge::cli {
namespace {

struct Endpoint {
  std::string host;
  std::uint16_t port;
};

Endpoint parseEndpoint(const std::string& text, int slot) {
  if (text.empty()) return {"127.0.0.1", static_cast<std::uint16_t>(sim::kVpcdBasePort + slot)};
  const auto colon = text.rfind(':');
  try {
    if (colon == std::string::npos || colon == 0) throw std::invalid_argument("no port");
    const unsigned long port = std::stoul(text.substr(colon + 1));
    if (port == 0 || port > 65535) throw std::out_of_range("port");
    return {text.substr(0, colon), static_cast<std::uint16_t>(port)};
  } catch (const std::logic_error&) {
    throw Error(Errc::BadRequest, "--vpcd '" + text + "' is not HOST:PORT",
                "For example --vpcd 127.0.0.1:35963 (slot 0) or 127.0.0.1:35964 (slot 1).");
  }
}

// The built-in profiles with the first sentence of what each one is.
void printProfileList(std::ostream& out) {
  for (const auto& name : sim::builtinProfileNames()) {
    const std::string description = sim::loadProfile(name).description;
    const auto end = description.find(". ");
    out << name << std::string(name.size() < 18 ? 18 - name.size() : 1, ' ')
        << description.substr(0, end == std::string::npos ? description.size() : end + 1) << "\n";
  }
  out << "\nAny file path works too: a profile (.json, see docs/sim-profiles.md) or a gematik\n"
         "card image (.xml, e.g. ../shared/reference-cards/gematik/EGK_G2_1_ecc.xml).\n";
}

int runSim(const std::vector<std::string>& args, std::ostream& out) {
  po::options_description options("Options");
  options.add_options()("card,c", po::value<std::string>(),
                        "built-in profile name or path to a profile JSON file")(
      "slot,s", po::value<int>()->default_value(0), "vpcd slot: 0 (port 35963) or 1 (port 35964)")(
      "vpcd", po::value<std::string>()->default_value(""),
      "vpcd address HOST:PORT (default 127.0.0.1 and the slot's port)")(
      "list", "list the built-in profiles and exit");
  po::variables_map values;
  const Usage usage{
      "hcbridge sim --card PROFILE|FILE [--slot 0|1] [--vpcd HOST:PORT]",
      "Serves a simulated card to pcscd through the vsmartcard vpcd reader driver\n"
      "until Ctrl+C: the card appears in reader 'Virtual PCD 00 0<slot>' and any\n"
      "PC/SC program can use it. Needs pcscd running with vsmartcard-vpcd installed.\n"
      "All simulated cards hold invented TEST data only.",
      "  hcbridge sim --card vitale-family --slot 0\n"
      "  hcbridge sim --card cps-demo --slot 1            # PIN 1234\n"
      "  hcbridge sim --card ../shared/reference-cards/gematik/EGK_G2_1_ecc.xml   # PIN 123456\n"
      "  hcbridge sim --list\n"};
  if (!parseOptions(args, options, {}, usage, values, out)) return kExitOk;
  if (values.count("list")) {
    printProfileList(out);
    return kExitOk;
  }
  if (!values.count("card")) {
    throw Error(Errc::BadRequest, "--card is required",
                "Name a built-in profile (see 'hcbridge sim --list') or a profile file.");
  }
  const int slot = values["slot"].as<int>();
  if (slot < 0 || slot > 1) throw Error(Errc::BadRequest, "--slot must be 0 or 1");
  const Endpoint endpoint = parseEndpoint(values["vpcd"].as<std::string>(), slot);

  auto card = std::make_shared<sim::Card>(sim::loadProfile(values["card"].as<std::string>()));
  std::mutex mutex;
  std::condition_variable stop;
  bool stopping = false;
  InterruptHandler interrupt([&] {
    std::lock_guard lock(mutex);
    stopping = true;
    stop.notify_all();
  });

  sim::VpcdClient client(card, endpoint.host, endpoint.port);
  client.insert();
  const std::string where = endpoint.host + ":" + std::to_string(endpoint.port);
  if (!client.waitConnected(std::chrono::seconds(2))) {
    out << "Waiting for vpcd at " << where
        << " (is pcscd running with vsmartcard-vpcd installed?)..." << std::endl;
  }
  std::unique_lock lock(mutex);
  bool announced = false;
  while (!stopping) {
    if (!announced && client.connected()) {
      out << "Serving simulated card '" << card->name() << "' at " << where
          << ". Press Ctrl+C to remove it." << std::endl;
      announced = true;
    }
    stop.wait_for(lock, std::chrono::milliseconds(announced ? 60000 : 200));
  }
  lock.unlock();
  client.remove();
  out << "Card removed." << std::endl;
  return kExitOk;
}

}  // namespace

Command simCommand() {
  return {"sim", "serve a simulated card to pcscd through the vpcd virtual reader", runSim};
}

}  // namespace hcbridge::cli
