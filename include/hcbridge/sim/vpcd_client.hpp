// Serves a simulated card to real pcscd through the vsmartcard vpcd driver.
// vpcd (inside pcscd) listens on port 35963 for slot 0 and 35964 for slot 1
// (Debian's vsmartcard-vpcd binds 0.0.0.0); we connect as the "virtual ICC".
// Each message: 2-byte big-endian length + payload. 1-byte payloads are
// control messages: 00 power off, 01 power on, 02 reset (no answer expected;
// the card is reset), 04 get ATR (answered with the ATR; vpcd sends it on
// every presence poll, at any time). Longer payloads are APDUs answered with
// the response APDU. The card is "inserted" while the connection is up.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "hcbridge/sim/card.hpp"

namespace hcbridge::sim {

inline constexpr std::uint16_t kVpcdBasePort = 35963;

class VpcdClient {
 public:
  VpcdClient(std::shared_ptr<Card> card, std::string host = "127.0.0.1",
             std::uint16_t port = kVpcdBasePort);
  ~VpcdClient();  // removes the card and joins the thread
  VpcdClient(const VpcdClient&) = delete;
  VpcdClient& operator=(const VpcdClient&) = delete;

  // Connects (the card appears in the reader) and serves in a background
  // thread. Retries the connection with backoff while vpcd is unreachable,
  // e.g. during a pcscd restart, until remove() is called.
  void insert();
  // Closes the connection (the card leaves the reader) and waits for the
  // serving thread to end.
  void remove();
  // True while a connection to vpcd is up.
  bool connected() const;
  // Blocks until connected or the timeout passes.
  bool waitConnected(std::chrono::milliseconds timeout) const;

  // Drops the connection abruptly after the n-th APDU of this insertion
  // (0 = never): a card pulled mid-exchange. That APDU gets no answer; the
  // card then stays out (no reconnect) until insert() is called again. One-shot.
  void pullAfterApdus(std::size_t n);

  const std::shared_ptr<Card>& card() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hcbridge::sim
