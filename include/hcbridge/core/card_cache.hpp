// Reads cards once per insertion. The first read of a card goes through its
// driver; later reads while the card stays in its reader send no APDU. A
// card.removed or card.inserted event for the reader (from a ReaderWatcher)
// drops the entry, so a re-inserted or different card is read again. An eGK
// whose StatusVD reports an update in progress is never kept: its data is
// about to change, so each read goes to the card until the update is done.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "hcbridge/card_driver.hpp"
#include "hcbridge/core/serial_hasher.hpp"
#include "hcbridge/transport.hpp"

namespace hcbridge::core {

struct CachedCard {
  const CardDriver* driver = nullptr;
  // Never changed once read: shared by the cache and every read it answers.
  std::shared_ptr<const CardModel> model;
  std::string serialHash;  // what logs and audit records may show
};

class CardCache {
 public:
  CardCache(const DriverRegistry& registry, const SerialHasher& hasher);

  // The model of the card in `reader`, read in one exclusive transaction
  // when not cached. Throws what the transport and driver throw; a failed
  // read caches nothing.
  CachedCard read(Transport& transport, const std::string& reader);
  // Feed every watcher event here.
  void onEvent(const ReaderEvent& event);
  // Drop everything (e.g. when pcscd restarted).
  void clear();
  // The kept model of the card in `reader`, if any: never touches the card.
  std::optional<CachedCard> find(const std::string& reader) const;

 private:
  const DriverRegistry& registry_;
  const SerialHasher& hasher_;
  mutable std::mutex mutex_;
  std::map<std::string, CachedCard> byReader_;
  std::map<std::string, std::uint64_t> generation_;  // bumped by each card event
};

}  // namespace hcbridge::core
