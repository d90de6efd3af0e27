#include "hcbridge/core/reader_manager.hpp"

#include <chrono>

#include "card_authentication.hpp"
#include "card_workers.hpp"
#include "hcbridge/core/model_json.hpp"
#include "hcbridge/error.hpp"
#include "patient_authenticity.hpp"

namespace hcbridge::core {
namespace {

std::string_view kindName(CardKind kind) {
  return kind == CardKind::Patient ? "patient" : "practitioner";
}

std::string cardAbsentHint(CardKind kind) {
  return kind == CardKind::Patient
             ? "Insert a patient card (carte Vitale or eGK) in a reader, or name the reader."
             : "Insert a practitioner card (CPS or HBA) in a reader, or name the reader.";
}

// Failures that mean the card (or reader) left while we looked at it: the
// watcher reports that, so identification has nothing to say.
bool cardLeft(Errc code) {
  return code == Errc::CardRemoved || code == Errc::CardAbsent || code == Errc::ReaderRemoved ||
         code == Errc::ReaderNotFound || code == Errc::PcscUnavailable;
}

}  // namespace

class ReaderManager::EventSubscription : public api::Subscription {
 public:
  EventSubscription(ReaderManager& manager, std::uint64_t id) : manager_(manager), id_(id) {}
  ~EventSubscription() override { manager_.unsubscribe(id_); }

 private:
  ReaderManager& manager_;
  std::uint64_t id_;
};

ReaderManager::ReaderManager(Transport& transport, const DriverRegistry& registry,
                             const SerialHasher& hasher, std::string transportLabel,
                             std::string version, AuthenticationSettings authentication)
    : transport_(transport),
      registry_(registry),
      cache_(registry, hasher),
      transportLabel_(std::move(transportLabel)),
      version_(std::move(version)),
      authentication_(std::move(authentication)),
      workers_(std::make_unique<CardWorkers>()),
      watcher_(transport.watch()) {
  std::vector<ReaderInfo> initial;
  try {
    initial = watcher_->snapshot();
  } catch (const Error&) {
    transportUp_ = false;  // the watcher reports service.restored once it is back
  }
  for (const auto& info : initial) {
    ReaderState state;
    state.name = info.name;
    state.cardPresent = info.cardPresent;
    if (info.cardPresent) state.cardGeneration = 1;
    readers_.push_back(state);
  }
  for (const auto& state : readers_) {
    if (state.cardPresent) {
      const auto generation = state.cardGeneration;
      const auto name = state.name;
      workers_->post(name, [this, name, generation] { identifyCard(name, generation); });
    }
  }
  watchThread_ = std::thread([this] { watchLoop(); });
  sessionTimer_ = std::thread([this] { sessionTimerLoop(); });
}

ReaderManager::~ReaderManager() {
  stop();
}

void ReaderManager::stop() {
  std::lock_guard stopLock(stopMutex_);
  if (stopping_.exchange(true)) return;
  watcher_->cancel();
  if (watchThread_.joinable()) watchThread_.join();
  {
    std::lock_guard lock(mutex_);
    sessionChanged_.notify_all();
  }
  if (sessionTimer_.joinable()) sessionTimer_.join();
  workers_->stop();
}

void ReaderManager::watchLoop() {
  while (!stopping_) {
    std::vector<ReaderEvent> events;
    try {
      events = watcher_->next();
    } catch (const Error& error) {
      if (error.code() == Errc::Cancelled || stopping_) return;
      // The PC/SC watcher reconnects by itself; anything else is unexpected:
      // wait a little rather than spin.
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      continue;
    }
    for (const auto& event : events) apply(event);
  }
}

ReaderManager::ReaderState* ReaderManager::findReader(const std::string& name) {
  for (auto& state : readers_) {
    if (state.name == name) return &state;
  }
  return nullptr;
}

void ReaderManager::apply(const ReaderEvent& event) {
  // The cache first: a read that starts after this event must not get the
  // previous card's model.
  cache_.onEvent(event);
  std::lock_guard lock(mutex_);
  const nlohmann::json readerData = {{"reader", event.reader}};
  switch (event.kind) {
    case ReaderEventKind::ReaderAdded:
      if (findReader(event.reader) == nullptr) {
        readers_.emplace_back().name = event.reader;
        publish("reader.added", readerData);
      }
      break;
    case ReaderEventKind::ReaderRemoved:
      if (session_ && session_->reader == event.reader) endSessionLocked("reader-removed", false);
      if (auto* state = findReader(event.reader)) {
        if (state->insertionAnnounced) publish("card.removed", readerData);
        std::erase_if(readers_, [&](const ReaderState& s) { return s.name == event.reader; });
        publish("reader.removed", readerData);
      }
      break;
    case ReaderEventKind::CardInserted: {
      auto* state = findReader(event.reader);
      if (state == nullptr) {
        readers_.emplace_back().name = event.reader;
        publish("reader.added", readerData);
        state = &readers_.back();
      }
      if (session_ && session_->reader == event.reader) endSessionLocked("card-removed", false);
      if (state->insertionAnnounced) publish("card.removed", readerData);
      state->cardPresent = true;
      state->authenticity.reset();
      state->cardType.clear();
      state->cardKind.reset();
      state->insertionAnnounced = false;
      const auto generation = ++state->cardGeneration;
      // card.inserted goes out once the reader's worker knows the card type.
      const std::string name = event.reader;
      workers_->post(name, [this, name, generation] { identifyCard(name, generation); });
      break;
    }
    case ReaderEventKind::CardRemoved:
      if (session_ && session_->reader == event.reader) endSessionLocked("card-removed", false);
      if (auto* state = findReader(event.reader)) {
        if (state->insertionAnnounced) publish("card.removed", readerData);
        state->cardPresent = false;
        state->authenticity.reset();
        state->cardType.clear();
        state->cardKind.reset();
        state->insertionAnnounced = false;
        ++state->cardGeneration;
      }
      break;
    case ReaderEventKind::ServiceLost:
      // The cards may have been reset with pcscd: the session cannot be trusted to hold.
      if (session_) endSessionLocked("service-lost", false);
      transportUp_ = false;
      publish("service.lost", nlohmann::json::object());
      break;
    case ReaderEventKind::ServiceRestored:
      transportUp_ = true;
      publish("service.restored", nlohmann::json::object());
      break;
  }
}

// Runs on the reader's strand, so it never interleaves with a read.
void ReaderManager::identifyCard(const std::string& reader, std::uint64_t generation) {
  std::string type = "unknown";
  std::optional<CardKind> kind;
  try {
    auto connection = transport_.connect(reader, ShareMode::Shared);
    Transaction transaction(*connection);
    const CardDriver& driver = registry_.identify(*connection);
    type = std::string(driver.id());
    kind = driver.kind();
  } catch (const Error& error) {
    if (cardLeft(error.code())) return;
    // Unsupported, mute or held by another program: shown as "unknown".
  }
  std::lock_guard lock(mutex_);
  auto* state = findReader(reader);
  if (state == nullptr || !state->cardPresent || state->cardGeneration != generation) return;
  state->cardType = type;
  state->cardKind = kind;
  state->insertionAnnounced = true;
  publish("card.inserted", {{"reader", reader}, {"cardType", type}});
}

void ReaderManager::publish(const std::string& type, nlohmann::json data) {
  const api::ServiceEvent event{type, std::move(data)};
  for (const auto& [id, listener] : listeners_) listener(event);
}

nlohmann::json ReaderManager::status() const {
  std::lock_guard lock(mutex_);
  return {{"version", version_},
          {"transport", transportLabel_},
          {"transportState", transportUp_ ? "up" : "lost"},
          {"readers", readers_.size()}};
}

std::vector<api::ReaderView> ReaderManager::readers() const {
  std::lock_guard lock(mutex_);
  std::vector<api::ReaderView> views;
  for (const auto& state : readers_)
    views.push_back({state.name, state.cardPresent, state.cardType});
  return views;
}

void ReaderManager::readPatientCard(std::optional<std::string> reader, api::CardReadHandler done) {
  readCard(CardKind::Patient, std::move(reader), std::move(done));
}

void ReaderManager::readPractitionerCard(std::optional<std::string> reader,
                                         api::CardReadHandler done) {
  readCard(CardKind::Practitioner, std::move(reader), std::move(done));
}

std::string ReaderManager::resolveReader(CardKind kind, const std::optional<std::string>& reader) {
  if (reader) {
    if (findReader(*reader) == nullptr) {
      throw Error(Errc::ReaderNotFound, "no reader named '" + *reader + "'",
                  "GET /v1/readers lists the readers.");
    }
    return *reader;
  }
  for (const auto& state : readers_) {
    if (state.cardKind == kind) return state.name;
  }
  // A card no driver knows is likelier the one meant than no card at all.
  for (const auto& state : readers_) {
    if (state.cardType == "unknown") {
      throw Error(Errc::CardUnsupported,
                  "no " + std::string(kindName(kind)) + " card hcbridge knows; the card in '" +
                      state.name + "' is of an unknown type",
                  "Send the output of `hcbridge readers --json` to get it supported. " +
                      cardAbsentHint(kind));
    }
  }
  throw Error(Errc::CardAbsent, "no " + std::string(kindName(kind)) + " card in any reader",
              cardAbsentHint(kind));
}

bool ReaderManager::postCardJob(const std::string& reader, std::function<void()> job,
                                std::function<void(std::exception_ptr)> fail) {
  auto guarded = [job = std::move(job), fail] {
    try {
      job();
    } catch (...) {
      fail(std::current_exception());
    }
  };
  if (workers_->post(reader, std::move(guarded))) return true;
  fail(std::make_exception_ptr(Error(Errc::Cancelled, "the service is stopping")));
  return false;
}

// Once per insertion: the proof costs a few APDUs and a signature.
nlohmann::json ReaderManager::patientAuthenticity(const std::string& reader,
                                                  const CachedCard& card) {
  std::uint64_t generation = 0;
  {
    std::lock_guard lock(mutex_);
    const ReaderState* state = findReader(reader);
    if (state != nullptr && state->authenticity) return *state->authenticity;
    if (state != nullptr) generation = state->cardGeneration;
  }
  auto connection = transport_.connect(reader, ShareMode::Shared);
  nlohmann::json result =
      checkPatientCardAuthenticity(*connection, *card.driver, authentication_.patientCardTrust,
                                   authentication_.verificationTime());
  std::lock_guard lock(mutex_);
  ReaderState* state = findReader(reader);
  if (state != nullptr && state->cardGeneration == generation) state->authenticity = result;
  return result;
}

void ReaderManager::readCard(CardKind kind, std::optional<std::string> reader,
                             api::CardReadHandler done) {
  std::string target;
  try {
    std::lock_guard lock(mutex_);
    target = resolveReader(kind, reader);
  } catch (const Error&) {
    done(std::current_exception(), {});
    return;
  }
  postCardJob(
      target,
      [this, kind, target, done] {
        const CachedCard card = cache_.read(transport_, target);
        if (card.driver->kind() != kind) {
          throw Error(Errc::CardUnsupported,
                      "the card in '" + target + "' is a " +
                          std::string(card.driver->displayName()) + ", not a " +
                          std::string(kindName(kind)) + " card",
                      cardAbsentHint(kind));
        }
        api::CardRead result{toJson(card.model), target, card.serialHash};
        if (kind == CardKind::Patient)
          result.card["authenticity"] = patientAuthenticity(target, card);
        done(nullptr, std::move(result));
      },
      [done](std::exception_ptr error) { done(error, {}); });
}

std::unique_ptr<api::Subscription> ReaderManager::subscribe(
    std::function<void(const api::ServiceEvent&)> listener) {
  std::lock_guard lock(mutex_);
  // The snapshot and the registration under one lock: no event between them
  // is lost or seen twice.
  for (const auto& state : readers_) {
    listener({"reader.added", {{"reader", state.name}}});
    if (state.insertionAnnounced) {
      listener({"card.inserted", {{"reader", state.name}, {"cardType", state.cardType}}});
    }
  }
  // A page loaded while a session is open learns of it, as it would have live.
  if (session_) {
    listener({"practitioner.session.opened",
              {{"reader", session_->reader},
               {"idleTimeoutSeconds", authentication_.sessionIdleTimeout.count()}}});
  }
  const auto id = nextListenerId_++;
  listeners_.emplace(id, std::move(listener));
  return std::make_unique<EventSubscription>(*this, id);
}

void ReaderManager::unsubscribe(std::uint64_t id) {
  std::lock_guard lock(mutex_);
  listeners_.erase(id);
}

}  // namespace hcbridge::core
