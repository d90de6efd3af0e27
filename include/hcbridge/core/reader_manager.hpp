// The single owner of card sessions, behind the API's Backend interface.
// One watcher thread follows readers and cards; card work runs on a small
// thread pool with one strand per reader, so operations on one card are
// queued in order and never interleaved while different cards proceed in
// parallel. The caller's threads (the network) never wait for a card.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
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
#include "hcbridge/core/authentication_settings.hpp"
#include "hcbridge/core/card_cache.hpp"
#include "hcbridge/core/serial_hasher.hpp"
#include "hcbridge/transport.hpp"

namespace hcbridge::core {

struct ProvenPractitioner;
class CardWorkers;

class ReaderManager : public api::Backend {
 public:
  // Starts watching at once. transportLabel: "pcsc" or "simulated" (for
  // status()). All references must outlive the manager.
  ReaderManager(Transport& transport, const DriverRegistry& registry, const SerialHasher& hasher,
                std::string transportLabel, std::string version,
                AuthenticationSettings authentication = {});
  ~ReaderManager() override;
  ReaderManager(const ReaderManager&) = delete;
  ReaderManager& operator=(const ReaderManager&) = delete;

  nlohmann::json status() const override;
  std::vector<api::ReaderView> readers() const override;
  void readPatientCard(std::optional<std::string> reader, api::CardReadHandler done) override;
  void readPractitionerCard(std::optional<std::string> reader, api::CardReadHandler done) override;
  std::optional<std::string> practitionerSession() const override;
  void openPractitionerSession(api::SessionOpenRequest request, api::JsonHandler done) override;
  void closePractitionerSession(api::JsonHandler done) override;
  void authenticatePractitioner(std::string origin, std::string challengeNonce,
                                api::JsonHandler done) override;
  void issueRecordAccess(api::RecordAccessRequest request, api::RecordAccessHandler done) override;
  std::unique_ptr<api::Subscription> subscribe(
      std::function<void(const api::ServiceEvent&)> listener) override;

  // Stops the watcher, finishes the queued card work (each handler is still
  // called once) and joins every thread. Later reads fail at once. Idempotent.
  void stop();

 private:
  struct ReaderState {
    std::string name;
    bool cardPresent = false;
    std::string cardType;                        // driver id, "unknown", or "" until identified
    std::optional<CardKind> cardKind;            // set once identified by a driver
    std::uint64_t cardGeneration = 0;            // bumped by each card event
    bool insertionAnnounced = false;             // card.inserted went out for this card
    std::optional<nlohmann::json> authenticity;  // patient cards: checked once per insertion
  };
  // The open practitioner session: one at a time, bound to one insertion of
  // one card. It holds the card's connection, exclusively: a card nobody is
  // connected to is powered down by pcscd (and its PIN forgotten), and no
  // other program can use the verified PIN meanwhile. Used on the reader's
  // strand only.
  struct Session {
    std::uint64_t id = 0;
    std::string reader;
    std::uint64_t cardGeneration = 0;
    const CardDriver* driver = nullptr;
    std::shared_ptr<CardConnection> connection;
    std::shared_ptr<const ProvenPractitioner> practitioner;
    std::chrono::system_clock::time_point openedAt;
    std::chrono::steady_clock::time_point lastUsed;
  };
  class EventSubscription;

  void watchLoop();
  void apply(const ReaderEvent& event);
  void identifyCard(const std::string& reader, std::uint64_t generation);
  void readCard(CardKind kind, std::optional<std::string> reader, api::CardReadHandler done);
  // Caller holds mutex_: the named reader, or the first holding a card of that kind.
  std::string resolveReader(CardKind kind, const std::optional<std::string>& reader);
  // Runs job on the reader's strand and reports what it throws to fail.
  bool postCardJob(const std::string& reader, std::function<void()> job,
                   std::function<void(std::exception_ptr)> fail);
  nlohmann::json patientAuthenticity(const std::string& reader, const CachedCard& card);
  // Session helpers (reader_manager_session.cpp).
  void startSession(const std::string& reader, std::uint64_t generation, const CardDriver& driver,
                    std::shared_ptr<const ProvenPractitioner> practitioner,
                    std::shared_ptr<CardConnection> connection);
  Session currentSession();  // throws Error(SessionRequired)
  // Runs a signing job on the session's card; a card that stopped signing
  // properly (bad signature, PIN state lost) ends the session.
  void withSessionCard(const Session& session,
                       std::function<void(CardConnection&, const Session&)> job,
                       std::function<void(std::exception_ptr)> fail);
  void touchSession(std::uint64_t id);
  // Caller holds mutex_. Publishes practitioner.session.closed; resetCard
  // also resets the card so its verified PIN is gone.
  void endSessionLocked(const std::string& reason, bool resetCard);
  void sessionTimerLoop();
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
  const AuthenticationSettings authentication_;
  std::optional<Session> session_;
  std::uint64_t nextSessionId_ = 1;
  std::condition_variable sessionChanged_;  // wakes the idle timer
  std::map<std::uint64_t, std::function<void(const api::ServiceEvent&)>> listeners_;
  std::uint64_t nextListenerId_ = 1;

  std::unique_ptr<CardWorkers> workers_;
  std::unique_ptr<ReaderWatcher> watcher_;
  std::atomic<bool> stopping_{false};
  std::mutex stopMutex_;
  std::thread watchThread_;
  std::thread sessionTimer_;
};

}  // namespace hcbridge::core
