// Time of a first read of a German card image (eGK or HBA) by its driver:
// through real pcscd + vpcd (the simulator serves the image in reader slot 0)
// and in-process through SimTransport. Needs pcscd with vsmartcard-vpcd.
//
//   bench_german_read [IMAGE.xml] [--samples N]
//
// The drivers keep no cache, so every read is a first read: SELECT MF,
// EF.Version2, EF.GDO, ... as on a freshly inserted card.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "hcbridge/drivers.hpp"
#include "hcbridge/error.hpp"
#include "hcbridge/pcsc_transport.hpp"
#include "hcbridge/sim/card.hpp"
#include "hcbridge/sim/gematik_image.hpp"
#include "hcbridge/sim/sim_transport.hpp"
#include "hcbridge/sim/vpcd_client.hpp"

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

struct Stats {
  double median = 0, min = 0, max = 0;
};

Stats stats(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return {values[values.size() / 2], values.front(), values.back()};
}

double millisecondsSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// Times `samples` reads; returns the statistics and the APDUs of one read.
template <typename Read>
std::pair<Stats, std::size_t> measure(int samples, hcbridge::sim::Card& card, Read&& read) {
  std::vector<double> times;
  std::size_t apdus = 0;
  for (int i = 0; i < samples; ++i) {
    const std::size_t before = card.commandCount();
    const auto start = Clock::now();
    read();
    times.push_back(millisecondsSince(start));
    apdus = card.commandCount() - before;
  }
  return {stats(times), apdus};
}

}  // namespace

int main(int argc, char** argv) {
  std::string image = HCBRIDGE_GEMATIK_IMAGES "/EGK_G2_1_ecc.xml";
  int samples = 10;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--samples") == 0 && i + 1 < argc) {
      samples = std::max(1, std::atoi(argv[++i]));
    } else {
      image = argv[i];
    }
  }
  try {
    // Converting the image (XML, keys to PEM) and creating the card (PEM parsing).
    std::vector<double> loads, cards;
    for (int i = 0; i < 5; ++i) {
      const auto loadStart = Clock::now();
      const hcbridge::sim::Profile copy = hcbridge::sim::loadGematikImage(image);
      loads.push_back(millisecondsSince(loadStart));
      const auto cardStart = Clock::now();
      hcbridge::sim::Card scratch(copy);
      cards.push_back(millisecondsSince(cardStart));
    }
    const hcbridge::sim::Profile profile = hcbridge::sim::loadGematikImage(image);
    auto card = std::make_shared<hcbridge::sim::Card>(profile);
    std::printf("image %s: converted in %.1f ms (median of 5), card created in %.1f ms\n",
                profile.name.c_str(), stats(loads).median, stats(cards).median);

    const auto egk = hcbridge::drivers::makeEgkDriver();
    const auto hba = hcbridge::drivers::makeHbaDriver();
    // What DriverRegistry::identify does for these cards: ATR (Maybe), then the AID probe.
    const auto identify = [&](hcbridge::CardConnection& connection) -> const hcbridge::CardDriver& {
      for (const auto* driver : {egk.get(), hba.get()}) {
        if (driver->matchAtr(connection.atr()) != hcbridge::AtrMatch::No &&
            driver->probe(connection)) {
          return *driver;
        }
      }
      throw hcbridge::Error(hcbridge::Errc::CardUnsupported, "neither an eGK nor an HBA");
    };

    // In-process: the driver and the card engine alone.
    {
      hcbridge::sim::SimTransport transport({"reader"});
      transport.insertCard(0, card);
      auto connection = transport.connect("reader");
      const auto& driver = identify(*connection);
      const auto [result, apdus] = measure(samples, *card, [&] { driver.read(*connection); });
      std::printf("SimTransport (extended APDUs): median %.2f ms, min %.2f, max %.2f, %zu APDUs\n",
                  result.median, result.min, result.max, apdus);
    }

    // Through pcscd and vpcd.
    hcbridge::sim::VpcdClient client(card);
    client.insert();
    if (!client.waitConnected(10s)) {
      std::fprintf(stderr, "vpcd is not reachable: is pcscd with vsmartcard-vpcd running?\n");
      return 1;
    }
    auto transport = hcbridge::pcsc::makeTransport();
    const std::string reader = "Virtual PCD 00 00";
    // pcscd notices the card at its next presence poll; a card of an earlier
    // run may still look present until then: retry until a connection holds.
    std::unique_ptr<hcbridge::CardConnection> connection;
    for (const auto deadline = Clock::now() + 10s; !connection;) {
      try {
        auto candidate = transport->connect(reader, hcbridge::ShareMode::Shared);
        if (candidate->atr() == profile.atr && (egk->probe(*candidate) || hba->probe(*candidate))) {
          connection = std::move(candidate);
          break;
        }
      } catch (const hcbridge::Error&) {
      }
      if (Clock::now() > deadline) {
        std::fprintf(stderr, "pcscd does not show the card in '%s'\n", reader.c_str());
        return 1;
      }
      std::this_thread::sleep_for(100ms);
    }
    const auto identifyStart = Clock::now();
    const auto& driver = identify(*connection);
    const double identifyMs = millisecondsSince(identifyStart);
    const auto [result, apdus] = measure(samples, *card, [&] {
      hcbridge::Transaction transaction(*connection);
      driver.read(*connection);
    });
    std::printf("identify (ATR + AID probe) through pcscd: %.2f ms\n", identifyMs);
    std::printf(
        "pcscd + vpcd (%s APDUs): median %.2f ms, min %.2f, max %.2f, %zu APDUs, %d reads\n",
        connection->extendedLengthSupported() ? "extended" : "short", result.median, result.min,
        result.max, apdus, samples);
  } catch (const hcbridge::Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
