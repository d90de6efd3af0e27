// The single owner of card sessions, behind the API's Backend interface.
// One watcher thread follows readers and cards; card work runs on a small
// thread pool with one strand per reader, so operations on one card are
// queued in order and never interleaved while different cards proceed in
// parallel. The caller's threads (the network) never wait for a card.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "hcbridge/api/backend.hpp"
#include "hcbridge/card_driver.hpp"
#include "hcbridge/core/card_cache.hpp"
#include "hcbridge/core/serial_hasher.hpp"
#include "hcbridge/transport.hpp"

namespace hcbridge::core {

class ReaderManager : public api::Backend {
 public:
  // Starts watching at once. transportLabel: "pcsc" or "simulated" (for
  // status()). All references must outlive the manager.
  ReaderManager(Transport& transport, const DriverRegistry& registry, const SerialHasher& hasher,
                std::string transportLabel, std::string version);
  ~ReaderManager() override;
  ReaderManager(const ReaderManager&) = delete;
  ReaderManager& operator=(const ReaderManager&) = delete;

  nlohmann::json status() const override;
  std::vector<api::ReaderView> readers() const override;
  void readPatientCard(std::optional<std::string> reader, api::CardReadHandler done) override;
  void readPractitionerCard(std::optional<std::string> reader, api::CardReadHandler done) override;
  std::optional<std::string> practitionerSession() const override;
  std::unique_ptr<api::Subscription> subscribe(
      std::function<void(const api::ServiceEvent&)> listener) override;

  // The session arrives with the authentication issue; until then tests set it.
  void setPractitionerSessionForTesting(std::optional<std::string> practitioner);

  // Stops the watcher, finishes the queued card work (each handler is still
  // called once) and joins every thread. Later reads fail at once. Idempotent.
  void stop();

 private:
  struct ReaderState {
    std::string name;
    bool cardPresent = false;
    std::string cardType;              // driver id, "unknown", or "" until identified
    std::optional<CardKind> cardKind;  // set once identified by a driver
    std::uint64_t cardGeneration = 0;  // bumped by each card event
    bool insertionAnnounced = false;   // card.inserted went out for this card
  };
  class Workers;  // the thread pool and the strands (Asio stays in the .cpp)
  class EventSubscription;

  void watchLoop();
  void apply(const ReaderEvent& event);
  void identifyCard(const std::string& reader, std::uint64_t generation);
  void readCard(CardKind kind, std::optional<std::string> reader, api::CardReadHandler done);
  // Caller holds mutex_. Listeners run under it, so they see events one at a
  // time and in order, and a new subscriber's snapshot cannot race an event.
  void publish(const std::string& type, nlohmann::json data);
  ReaderState* findReader(const std::string& name);
  void unsubscribe(std::uint64_t id);

  Transport& transport_;
  const DriverRegistry& registry_;
  CardCache cache_;
  const std::string transportLabel_;
  const std::string version_;

  mutable std::mutex mutex_;
  std::vector<ReaderState> readers_;
  bool transportUp_ = true;
  std::optional<std::string> practitionerSession_;
  std::map<std::uint64_t, std::function<void(const api::ServiceEvent&)>> listeners_;
  std::uint64_t nextListenerId_ = 1;

  std::unique_ptr<Workers> workers_;
  std::unique_ptr<ReaderWatcher> watcher_;
  std::atomic<bool> stopping_{false};
  std::mutex stopMutex_;
  std::thread watchThread_;
};

}  // namespace hcbridge::core
