// Time and APDUs of a first read of a card by hcbridge (identify + read),
// through real pcscd + vpcd (the simulator serves the card in reader slot 0)
// and in-process through SimTransport; then the APDUs of a cached re-read
// (core::CardCache). Needs pcscd with vsmartcard-vpcd.
//
//   bench_first_read [PROFILE|IMAGE.xml] [--samples N]
//
// The drivers keep no cache, so every driver read is a first read, as on a
// freshly inserted card.
//
// Baseline: the APDUs of one driver read are recorded, then replayed with
// nothing but libpcsclite (SCardBeginTransaction, SCardTransmit each,
// SCardEndTransaction) on a connection of its own; driver reads and raw
// replays alternate so both see the same machine.
#include <pcsclite.h>
#include <winscard.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "hcbridge/card_driver.hpp"
#include "hcbridge/core/card_cache.hpp"
#include "hcbridge/drivers.hpp"
#include "hcbridge/error.hpp"
#include "hcbridge/pcsc_transport.hpp"
#include "hcbridge/sim/card.hpp"
#include "hcbridge/sim/profile.hpp"
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

// Forwards to a connection and keeps the encoded commands.
class RecordingConnection final : public hcbridge::CardConnection {
 public:
  explicit RecordingConnection(hcbridge::CardConnection& inner) : inner_(inner) {}
  const std::string& readerName() const override { return inner_.readerName(); }
  const hcbridge::Bytes& atr() const override { return inner_.atr(); }
  hcbridge::Protocol protocol() const override { return inner_.protocol(); }
  bool extendedLengthSupported() const override { return inner_.extendedLengthSupported(); }
  hcbridge::apdu::ResponseApdu transmit(const hcbridge::apdu::CommandApdu& command) override {
    commands.push_back(command.encode());
    auto response = inner_.transmit(command);
    statusWords.push_back(response.sw);
    return response;
  }
  hcbridge::Bytes transmitRaw(hcbridge::ByteView command) override {
    commands.emplace_back(command.begin(), command.end());
    auto response = inner_.transmitRaw(command);
    statusWords.push_back(static_cast<std::uint16_t>(response[response.size() - 2] << 8 |
                                                     response[response.size() - 1]));
    return response;
  }
  void beginTransaction() override { inner_.beginTransaction(); }
  void endTransaction() noexcept override { inner_.endTransaction(); }

  std::vector<hcbridge::Bytes> commands;
  std::vector<std::uint16_t> statusWords;  // what the card answered to each

 private:
  hcbridge::CardConnection& inner_;
};

// The same APDUs through bare libpcsclite: the least any program can do.
class RawReplay {
 public:
  explicit RawReplay(const std::string& reader) {
    check(SCardEstablishContext(SCARD_SCOPE_SYSTEM, nullptr, nullptr, &context_), "context");
    check(SCardConnect(context_, reader.c_str(), SCARD_SHARE_SHARED,
                       SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &card_, &protocol_),
          "connect");
  }
  ~RawReplay() {
    SCardDisconnect(card_, SCARD_LEAVE_CARD);
    SCardReleaseContext(context_);
  }
  // Sends every command in one transaction; false when an answer's status
  // word differs from the expected one.
  bool replay(const std::vector<hcbridge::Bytes>& commands,
              const std::vector<std::uint16_t>& expected) {
    const SCARD_IO_REQUEST* pci = protocol_ == SCARD_PROTOCOL_T1 ? SCARD_PCI_T1 : SCARD_PCI_T0;
    check(SCardBeginTransaction(card_), "begin transaction");
    bool ok = true;
    for (std::size_t i = 0; i < commands.size(); ++i) {
      const auto& command = commands[i];
      DWORD length = sizeof response_;
      check(SCardTransmit(card_, pci, command.data(), static_cast<DWORD>(command.size()), nullptr,
                          response_, &length),
            "transmit");
      const unsigned sw = length >= 2 ? (response_[length - 2] << 8u) | response_[length - 1] : 0u;
      ok = ok && sw == expected[i];
    }
    check(SCardEndTransaction(card_, SCARD_LEAVE_CARD), "end transaction");
    return ok;
  }

 private:
  static void check(LONG rv, const char* what) {
    if (rv != SCARD_S_SUCCESS) {
      throw hcbridge::Error(hcbridge::Errc::Internal,
                            std::string("raw replay: ") + what + ": " + pcsc_stringify_error(rv));
    }
  }
  SCARDCONTEXT context_ = 0;
  SCARDHANDLE card_ = 0;
  DWORD protocol_ = 0;
  unsigned char response_[65538 + 2];
};

}  // namespace

int main(int argc, char** argv) {
  std::string cardName = HCBRIDGE_GEMATIK_IMAGES "/EGK_G2_1_ecc.xml";
  int samples = 10;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--samples") == 0 && i + 1 < argc) {
      samples = std::max(1, std::atoi(argv[++i]));
    } else {
      cardName = argv[i];
    }
  }
  try {
    hcbridge::drivers::registerSimProfiles();
    const hcbridge::sim::Profile profile = hcbridge::sim::loadProfile(cardName);
    auto card = std::make_shared<hcbridge::sim::Card>(profile);
    const hcbridge::DriverRegistry registry = hcbridge::makeDefaultRegistry();
    std::printf("card %s\n", profile.name.c_str());

    // In-process: the driver and the card engine alone.
    {
      hcbridge::sim::SimTransport transport({"reader"});
      transport.insertCard(0, card);
      auto connection = transport.connect("reader");
      const auto [result, apdus] = measure(samples, *card, [&] {
        hcbridge::Transaction transaction(*connection);
        registry.identify(*connection).read(*connection);
      });
      std::printf("SimTransport (%s APDUs): median %.2f ms, min %.2f, max %.2f, %zu APDUs\n",
                  connection->extendedLengthSupported() ? "extended" : "short", result.median,
                  result.min, result.max, apdus);
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
        if (candidate->atr() == profile.atr) {
          registry.identify(*candidate);
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

    // A first read: recognise the card (ATR, AID probe), then read it.
    RecordingConnection recorder(*connection);
    const std::size_t beforeRecording = card->commandCount();
    {
      hcbridge::Transaction transaction(recorder);
      registry.identify(recorder).read(recorder);
    }
    // On T=0 cards the card also sees the GET RESPONSEs that the transport
    // sends below the recorder, so a replay would not be the same exchange:
    // compare only when the lists match (T=1 cards: eGK, HBA).
    const bool sameList = card->commandCount() - beforeRecording == recorder.commands.size();
    RawReplay raw(reader);
    std::vector<double> driverTimes, rawTimes;
    std::size_t apdus = 0;
    for (int i = 0; i < samples; ++i) {
      const std::size_t before = card->commandCount();
      auto start = Clock::now();
      {
        hcbridge::Transaction transaction(*connection);
        registry.identify(*connection).read(*connection);
      }
      driverTimes.push_back(millisecondsSince(start));
      apdus = card->commandCount() - before;
      if (!sameList) continue;
      start = Clock::now();
      if (!raw.replay(recorder.commands, recorder.statusWords)) {
        std::fprintf(stderr, "raw replay: a card answer differs from the driver's read\n");
        return 1;
      }
      rawTimes.push_back(millisecondsSince(start));
    }
    const Stats driverStats = stats(driverTimes);
    const Stats rawStats = sameList ? stats(rawTimes) : Stats{};
    std::printf(
        "pcscd + vpcd, identify + read (%s APDUs): median %.2f ms, min %.2f, max %.2f, %zu APDUs, "
        "%d reads\n",
        connection->extendedLengthSupported() ? "extended" : "short", driverStats.median,
        driverStats.min, driverStats.max, apdus, samples);
    if (sameList) {
      std::printf(
          "pcscd + vpcd, raw libpcsclite replay of the same %zu APDUs: median %.2f ms, min %.2f, "
          "max %.2f\n",
          recorder.commands.size(), rawStats.median, rawStats.min, rawStats.max);
      std::printf("hcbridge / raw (medians): %.3f\n", driverStats.median / rawStats.median);
    } else {
      std::printf(
          "(no raw comparison: T=0, the card saw %zu APDUs, %zu of them commands and the rest "
          "GET RESPONSEs)\n",
          apdus, recorder.commands.size());
    }

    // The service's cache: the first read goes to the card, the second not.
    hcbridge::core::SerialHasher hasher(hcbridge::SecretBytes(std::string(32, 'k')));
    hcbridge::core::CardCache cache(registry, hasher);
    std::size_t before = card->commandCount();
    cache.read(*transport, reader);
    const std::size_t firstRead = card->commandCount() - before;
    before = card->commandCount();
    cache.read(*transport, reader);
    std::printf("CardCache through pcscd: first read %zu APDUs, second read %zu APDUs\n", firstRead,
                card->commandCount() - before);
  } catch (const hcbridge::Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
