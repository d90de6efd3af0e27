// SimTransport: readers with slots holding simulated cards, event watchers
// woken by a condition variable, and connections that notice a pulled card.
#include "hcbridge/sim/sim_transport.hpp"

#include <algorithm>
#include <condition_variable>
#include <mutex>

#include "hcbridge/error.hpp"
#include "hcbridge/exchange.hpp"

namespace hcbridge::sim {
namespace detail {

// Everything the transport, its watchers and connections share.
struct SimTransportState {
  struct Slot {
    std::string name;
    bool present = true;                 // the reader exists
    std::uint64_t readerGeneration = 0;  // new value on every addReader
    std::shared_ptr<Card> card;
    std::uint64_t cardGeneration = 0;  // new value on every insertion; 0 = empty
    int connections = 0;
    bool exclusive = false;
    const void* transactionOwner = nullptr;

    // Forget the connections of the previous card or reader.
    void dropConnections() {
      connections = 0;
      exclusive = false;
      transactionOwner = nullptr;
    }
  };

  std::mutex mutex;
  // Signalled on every reader or card change, transaction end and cancel.
  std::condition_variable changed;
  std::vector<Slot> slots;
  std::uint64_t nextGeneration = 1;

  Slot& slotAt(std::size_t index) {
    if (index >= slots.size() || !slots[index].present) {
      throw Error(Errc::ReaderNotFound, "no simulated reader in slot " + std::to_string(index));
    }
    return slots[index];
  }

  Slot* findReader(const std::string& name) {
    for (auto& slot : slots) {
      if (slot.present && slot.name == name) return &slot;
    }
    return nullptr;
  }

  static ReaderInfo info(const Slot& slot) {
    ReaderInfo reader;
    reader.name = slot.name;
    reader.cardPresent = slot.card != nullptr;
    reader.inUse = slot.exclusive;
    if (slot.card) reader.atr = slot.card->atr();
    return reader;
  }
};

}  // namespace detail

struct SimTransport::Shared : detail::SimTransportState {};

namespace {

using Shared = detail::SimTransportState;

// What a watcher remembers of one reader.
struct SeenReader {
  std::string name;
  std::uint64_t readerGeneration = 0;
  std::uint64_t cardGeneration = 0;
};

std::vector<SeenReader> seen(const std::vector<Shared::Slot>& slots) {
  std::vector<SeenReader> readers;
  for (const auto& slot : slots) {
    if (slot.present) readers.push_back({slot.name, slot.readerGeneration, slot.cardGeneration});
  }
  return readers;
}

std::vector<ReaderEvent> diff(const std::vector<SeenReader>& before,
                              const std::vector<Shared::Slot>& slots) {
  std::vector<ReaderEvent> events;
  const auto findBefore = [&](std::uint64_t generation) {
    return std::find_if(before.begin(), before.end(), [&](const SeenReader& reader) {
      return reader.readerGeneration == generation;
    });
  };
  for (const auto& old : before) {
    const bool stillThere = std::any_of(slots.begin(), slots.end(), [&](const Shared::Slot& slot) {
      return slot.present && slot.readerGeneration == old.readerGeneration;
    });
    if (stillThere) continue;
    if (old.cardGeneration != 0) events.push_back({ReaderEventKind::CardRemoved, old.name, {}});
    events.push_back({ReaderEventKind::ReaderRemoved, old.name, {}});
  }
  for (const auto& slot : slots) {
    if (!slot.present) continue;
    const auto old = findBefore(slot.readerGeneration);
    const std::uint64_t oldCard = old == before.end() ? 0 : old->cardGeneration;
    if (old == before.end()) events.push_back({ReaderEventKind::ReaderAdded, slot.name, {}});
    if (oldCard == slot.cardGeneration) continue;
    if (oldCard != 0) events.push_back({ReaderEventKind::CardRemoved, slot.name, {}});
    if (slot.cardGeneration != 0) {
      events.push_back({ReaderEventKind::CardInserted, slot.name, slot.card->atr()});
    }
  }
  return events;
}

class SimWatcher : public ReaderWatcher {
 public:
  explicit SimWatcher(std::shared_ptr<Shared> shared) : shared_(std::move(shared)) {
    std::lock_guard lock(shared_->mutex);
    baseline_ = seen(shared_->slots);
  }

  std::vector<ReaderInfo> snapshot() override {
    std::lock_guard lock(shared_->mutex);
    baseline_ = seen(shared_->slots);
    std::vector<ReaderInfo> readers;
    for (const auto& slot : shared_->slots) {
      if (slot.present) readers.push_back(Shared::info(slot));
    }
    return readers;
  }

  std::vector<ReaderEvent> next(std::optional<std::chrono::milliseconds> timeout) override {
    std::unique_lock lock(shared_->mutex);
    const auto deadline =
        std::chrono::steady_clock::now() + timeout.value_or(std::chrono::milliseconds(0));
    for (;;) {
      if (cancelled_) {
        cancelled_ = false;
        throw Error(Errc::Cancelled, "waiting for reader events was cancelled");
      }
      std::vector<ReaderEvent> events = diff(baseline_, shared_->slots);
      if (!events.empty()) {
        baseline_ = seen(shared_->slots);
        return events;
      }
      if (!timeout) {
        shared_->changed.wait(lock);
      } else if (shared_->changed.wait_until(lock, deadline) == std::cv_status::timeout) {
        if (cancelled_) continue;
        events = diff(baseline_, shared_->slots);
        baseline_ = seen(shared_->slots);
        return events;
      }
    }
  }

  void cancel() override {
    std::lock_guard lock(shared_->mutex);
    cancelled_ = true;
    shared_->changed.notify_all();
  }

 private:
  std::shared_ptr<Shared> shared_;
  std::vector<SeenReader> baseline_;
  bool cancelled_ = false;  // guarded by shared_->mutex
};

class SimConnection : public CardConnection {
 public:
  SimConnection(std::shared_ptr<Shared> shared, std::size_t slot, const Shared::Slot& state,
                bool exclusive)
      : shared_(std::move(shared)),
        slot_(slot),
        readerGeneration_(state.readerGeneration),
        cardGeneration_(state.cardGeneration),
        card_(state.card),
        name_(state.name),
        atr_(state.card->atr()),
        exclusive_(exclusive) {}

  ~SimConnection() override {
    std::lock_guard lock(shared_->mutex);
    if (Shared::Slot* slot = current()) {
      slot->connections = std::max(0, slot->connections - 1);
      if (exclusive_) slot->exclusive = false;
      if (slot->transactionOwner == this) slot->transactionOwner = nullptr;
      shared_->changed.notify_all();
    }
  }

  const std::string& readerName() const override { return name_; }
  const Bytes& atr() const override { return atr_; }
  Protocol protocol() const override { return card_->protocol(); }
  bool extendedLengthSupported() const override { return true; }

  apdu::ResponseApdu transmit(const apdu::CommandApdu& command) override {
    return apdu::exchange([this](ByteView raw) { return transmitRaw(raw); }, command);
  }

  Bytes transmitRaw(ByteView command) override {
    {
      std::unique_lock lock(shared_->mutex);
      // Another connection's transaction: wait until it ends.
      shared_->changed.wait(lock, [&] {
        const Shared::Slot* slot = current();
        return slot == nullptr || slot->transactionOwner == nullptr ||
               slot->transactionOwner == this;
      });
      check();
    }
    Bytes response = card_->process(command);
    {
      std::lock_guard lock(shared_->mutex);
      check();  // pulled while it was working: the answer is lost
    }
    return response;
  }

  void beginTransaction() override {
    std::unique_lock lock(shared_->mutex);
    shared_->changed.wait(lock, [&] {
      const Shared::Slot* slot = current();
      return slot == nullptr || slot->transactionOwner == nullptr || slot->transactionOwner == this;
    });
    check();
    current()->transactionOwner = this;
  }

  void resetCard() override {
    std::lock_guard lock(shared_->mutex);
    check();
    card_->reset();
  }

  void endTransaction() noexcept override {
    std::lock_guard lock(shared_->mutex);
    Shared::Slot* slot = current();
    if (slot != nullptr && slot->transactionOwner == this) {
      slot->transactionOwner = nullptr;
      shared_->changed.notify_all();
    }
  }

 private:
  // The slot while our reader and our card are both still there; needs the lock.
  Shared::Slot* current() const {
    Shared::Slot& slot = shared_->slots[slot_];
    if (!slot.present || slot.readerGeneration != readerGeneration_ ||
        slot.cardGeneration != cardGeneration_) {
      return nullptr;
    }
    return &slot;
  }

  // Throws when the reader or the card went away since connect; needs the lock.
  void check() const {
    const Shared::Slot& slot = shared_->slots[slot_];
    if (!slot.present || slot.readerGeneration != readerGeneration_) {
      throw Error(Errc::ReaderRemoved, "reader '" + name_ + "' was removed");
    }
    if (slot.cardGeneration != cardGeneration_) {
      throw Error(Errc::CardRemoved, "the card was removed from '" + name_ + "'",
                  "Insert the card again and repeat the operation.");
    }
  }

  std::shared_ptr<Shared> shared_;
  std::size_t slot_;
  std::uint64_t readerGeneration_;
  std::uint64_t cardGeneration_;
  std::shared_ptr<Card> card_;
  std::string name_;
  Bytes atr_;
  bool exclusive_;
};

}  // namespace

SimTransport::SimTransport(std::vector<std::string> readerNames)
    : shared_(std::make_shared<Shared>()) {
  for (auto& name : readerNames) {
    Shared::Slot slot;
    slot.name = std::move(name);
    slot.readerGeneration = shared_->nextGeneration++;
    shared_->slots.push_back(std::move(slot));
  }
}

SimTransport::~SimTransport() = default;

void SimTransport::insertCard(std::size_t slot, std::shared_ptr<Card> card) {
  if (!card) throw Error(Errc::BadRequest, "insertCard needs a card");
  std::lock_guard lock(shared_->mutex);
  Shared::Slot& target = shared_->slotAt(slot);
  card->reset();  // a fresh insertion is a power-up
  target.card = std::move(card);
  target.cardGeneration = shared_->nextGeneration++;
  target.dropConnections();
  shared_->changed.notify_all();
}

void SimTransport::removeCard(std::size_t slot) {
  std::lock_guard lock(shared_->mutex);
  Shared::Slot& target = shared_->slotAt(slot);
  if (!target.card) return;
  target.card.reset();
  target.cardGeneration = 0;
  target.dropConnections();
  shared_->changed.notify_all();
}

void SimTransport::addReader(const std::string& name) {
  std::lock_guard lock(shared_->mutex);
  if (shared_->findReader(name) != nullptr) {
    throw Error(Errc::BadRequest, "a simulated reader named '" + name + "' already exists");
  }
  // A reader coming back keeps its slot number.
  auto slot = std::find_if(shared_->slots.begin(), shared_->slots.end(),
                           [&](const Shared::Slot& candidate) { return candidate.name == name; });
  if (slot == shared_->slots.end()) {
    shared_->slots.emplace_back();
    slot = shared_->slots.end() - 1;
  }
  *slot = Shared::Slot{};
  slot->name = name;
  slot->readerGeneration = shared_->nextGeneration++;
  shared_->changed.notify_all();
}

void SimTransport::removeReader(const std::string& name) {
  std::lock_guard lock(shared_->mutex);
  Shared::Slot* slot = shared_->findReader(name);
  if (slot == nullptr) {
    throw Error(Errc::ReaderNotFound, "no simulated reader named '" + name + "'");
  }
  slot->present = false;
  slot->card.reset();
  slot->cardGeneration = 0;
  slot->dropConnections();
  shared_->changed.notify_all();
}

std::vector<ReaderInfo> SimTransport::listReaders() {
  std::lock_guard lock(shared_->mutex);
  std::vector<ReaderInfo> readers;
  for (const auto& slot : shared_->slots) {
    if (slot.present) readers.push_back(Shared::info(slot));
  }
  return readers;
}

std::unique_ptr<CardConnection> SimTransport::connect(const std::string& reader, ShareMode mode) {
  std::lock_guard lock(shared_->mutex);
  Shared::Slot* slot = shared_->findReader(reader);
  if (slot == nullptr) {
    throw Error(Errc::ReaderNotFound, "no simulated reader named '" + reader + "'",
                "List the readers to see their exact names.");
  }
  if (!slot->card) {
    throw Error(Errc::CardAbsent, "no card in '" + reader + "'", "Insert a card.");
  }
  if (slot->exclusive || (mode == ShareMode::Exclusive && slot->connections > 0)) {
    throw Error(Errc::ReaderBusy, "the card in '" + reader + "' is in use by another connection",
                "Close the other connection or connect in shared mode.");
  }
  const bool exclusive = mode == ShareMode::Exclusive;
  // The first connection powers the card up: fresh security state.
  if (slot->connections == 0) slot->card->reset();
  ++slot->connections;
  slot->exclusive = exclusive;
  const auto index = static_cast<std::size_t>(slot - shared_->slots.data());
  return std::make_unique<SimConnection>(shared_, index, *slot, exclusive);
}

std::unique_ptr<ReaderWatcher> SimTransport::watch() {
  return std::make_unique<SimWatcher>(shared_);
}

}  // namespace hcbridge::sim
