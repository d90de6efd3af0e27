// Readers and the cards in them: one watcher thread follows pcscd (or the
// simulator), identifies each inserted card on its reader's strand, keeps
// the card cache in step and publishes reader and card events. Card work
// runs on a small thread pool with one strand per reader, so operations on
// one card are queued in order and never interleave while different cards
// proceed in parallel. Knows nothing of the practitioner session: it tells
// whoever registered (setCardLeftHandler) when a card or reader goes away.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "event_channel.hpp"
#include "hcbridge/api/backend.hpp"
#include "hcbridge/card_driver.hpp"
#include "hcbridge/core/card_cache.hpp"
#include "hcbridge/core/serial_hasher.hpp"
#include "hcbridge/transport.hpp"
#include "session_cards.hpp"

namespace hcbridge::core {

class CardWorkers;

class ReaderMonitor : public SessionCards {
 public:
  // Runs on a reader's strand with the card of the kind asked for.
  using CardJob = std::function<void(const std::string& reader, const CachedCard& card)>;

  ReaderMonitor(Transport& transport, const DriverRegistry& registry, const SerialHasher& hasher,
                EventChannel& events);
  ~ReaderMonitor() override;
  ReaderMonitor(const ReaderMonitor&) = delete;
  ReaderMonitor& operator=(const ReaderMonitor&) = delete;

  // Before start(): who hears of cards leaving (the practitioner session).
  void setCardLeftHandler(CardLeftHandler handler) override;
  // Takes the first snapshot, identifies the cards present, starts watching.
  void start();
  // Cancels and joins the watcher; card work still queued keeps running.
  void stopWatching();
  // Runs what is queued (every handler is still called once) and joins.
  void stopWorkers();

  bool transportUp() const;
  std::size_t readerCount() const;
  std::vector<api::ReaderView> readers() const;

  // The named reader, or the first holding an identified card of that kind.
  // Throws reader-not-found, card-unsupported (only unknown cards), card-absent.
  std::string resolveReader(CardKind kind, const std::optional<std::string>& reader) const;
  // Which insertion of a card the reader holds (0: none seen yet).
  std::uint64_t cardGeneration(const std::string& reader) const;
  // Resolves the reader (cheap: the monitor's own state), then posts job to its strand.
  bool postToCard(CardKind kind, const std::optional<std::string>& reader,
                  SessionCards::CardJob job, FailHandler fail) override;
  // Caller holds the event lock: the reader still holds that insertion.
  bool holdsCardLocked(const std::string& reader, std::uint64_t generation) const override;

  // Runs job on the reader's strand and reports what it throws to fail;
  // false (after fail(cancelled)) once stopping.
  bool post(const std::string& reader, std::function<void()> job, FailHandler fail) override;
  // Queues cleanup behind the reader's jobs; nothing to report.
  void postCleanup(const std::string& reader, std::function<void()> job) override;
  // Resolves the reader, then on its strand reads the card (through the
  // cache) and checks its kind before running job.
  void withCard(CardKind kind, std::optional<std::string> reader, CardJob job, FailHandler fail);
  // On the reader's strand: the cached model of the card in it.
  CachedCard readCard(const std::string& reader) override;
  // On any thread, without the strand: the reader withCard would pick and
  // the card of `kind` the cache keeps for it. nullopt when not kept, when
  // the reader cannot be resolved (withCard then says why) or once stopping.
  std::optional<std::pair<std::string, CachedCard>> cachedCard(
      CardKind kind, const std::optional<std::string>& reader) const;
  std::shared_ptr<CardConnection> connect(const std::string& reader, ShareMode mode);
  // The card through its driver on an exclusive connection.
  std::shared_ptr<PractitionerToken> openToken(const std::string& reader,
                                               const CachedCard& card) override;

  // Patient-card authenticity, checked once per insertion.
  std::optional<api::PatientAuthenticity> rememberedAuthenticity(const std::string& reader,
                                                                 std::uint64_t& generation) const;
  void rememberAuthenticity(const std::string& reader, std::uint64_t generation,
                            api::PatientAuthenticity authenticity);

 private:
  struct ReaderState {
    std::string name;
    bool cardPresent = false;
    std::string cardType;                        // driver id, "unknown", or "" until identified
    std::optional<CardKind> cardKind;            // set once identified by a driver
    std::uint64_t cardGeneration = 0;            // bumped by each card event
    bool insertionAnnounced = false;             // card.inserted went out for this card
    std::optional<api::PatientAuthenticity>
        authenticity;  // patient cards: checked once per insertion
  };

  void watchLoop();
  void apply(const ReaderEvent& event);
  void identifyCard(const std::string& reader, std::uint64_t generation);
  void cardLeftLocked(const std::string& reader, const std::string& reason);
  // The reader's card is gone (pulled, or replaced by a new one): card.removed
  // if it was announced, and nothing of it is kept.
  void forgetCardLocked(ReaderState& state, const std::string& reader);
  void snapshotLocked(const EventChannel::Listener& listener) const;
  ReaderState* findReader(const std::string& name);
  const ReaderState* findReader(const std::string& name) const;

  Transport& transport_;
  const DriverRegistry& registry_;
  CardCache cache_;
  EventChannel& events_;
  // Guarded by events_.mutex(): state changes go out as events in order.
  std::vector<ReaderState> readers_;
  bool transportUp_ = true;
  CardLeftHandler cardLeft_;
  std::unique_ptr<CardWorkers> workers_;
  std::unique_ptr<ReaderWatcher> watcher_;
  std::atomic<bool> stopping_{false};
  std::thread watchThread_;
};

}  // namespace hcbridge::core
