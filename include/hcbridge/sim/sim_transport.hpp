// In-process transport holding simulated cards: demo mode and fast tests.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "hcbridge/sim/card.hpp"
#include "hcbridge/transport.hpp"

namespace hcbridge::sim {

class SimTransport : public Transport {
 public:
  // Two readers by default, like a clinic's two-slot reader.
  explicit SimTransport(std::vector<std::string> readerNames = {"hcbridge simulated reader 0",
                                                                "hcbridge simulated reader 1"});
  ~SimTransport() override;

  // Card events reach every watcher. Slot = index into the reader names.
  void insertCard(std::size_t slot, std::shared_ptr<Card> card);
  void removeCard(std::size_t slot);
  void addReader(const std::string& name);
  void removeReader(const std::string& name);

  std::vector<ReaderInfo> listReaders() override;
  std::unique_ptr<CardConnection> connect(const std::string& reader,
                                          ShareMode mode = ShareMode::Shared) override;
  std::unique_ptr<ReaderWatcher> watch() override;

 private:
  struct Shared;
  std::shared_ptr<Shared> shared_;
};

}  // namespace hcbridge::sim
