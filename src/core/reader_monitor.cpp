#include "reader_monitor.hpp"

#include <chrono>

#include "card_workers.hpp"
#include "hcbridge/error.hpp"

namespace hcbridge::core {
namespace {

using Event = api::ServiceEvent;

std::string_view kindName(CardKind kind) {
  return kind == CardKind::Patient ? "patient" : "practitioner";
}

// The card names come from the drivers: core names no card type itself.
std::string cardAbsentHint(const DriverRegistry& registry, CardKind kind) {
  return "Insert a " + std::string(kindName(kind)) + " card (" + registry.cardNames(kind) +
         ") in a reader, or name the reader.";
}

// Failures that mean the card (or reader) left while we looked at it: the
// watcher reports that, so identification has nothing to say.
bool cardLeft(Errc code) {
  return code == Errc::CardRemoved || code == Errc::CardAbsent || code == Errc::ReaderRemoved ||
         code == Errc::ReaderNotFound || code == Errc::PcscUnavailable;
}

}  // namespace

ReaderMonitor::ReaderMonitor(Transport& transport, const DriverRegistry& registry,
                             const SerialHasher& hasher, EventChannel& events)
    : transport_(transport),
      registry_(registry),
      cache_(registry, hasher),
      events_(events),
      workers_(std::make_unique<CardWorkers>()) {
  events_.addSnapshot([this](const EventChannel::Listener& listener) { snapshotLocked(listener); });
}

ReaderMonitor::~ReaderMonitor() {
  stopWatching();
  stopWorkers();
}

void ReaderMonitor::setCardLeftHandler(CardLeftHandler handler) {
  std::lock_guard lock(events_.mutex());
  cardLeft_ = std::move(handler);
}

void ReaderMonitor::start() {
  watcher_ = transport_.watch();
  std::vector<ReaderInfo> initial;
  try {
    initial = watcher_->snapshot();
  } catch (const Error&) {
    std::lock_guard lock(events_.mutex());
    transportUp_ = false;  // the watcher reports service.restored once it is back
  }
  {
    std::lock_guard lock(events_.mutex());
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
  }
  watchThread_ = std::thread([this] { watchLoop(); });
}

void ReaderMonitor::stopWatching() {
  if (stopping_.exchange(true)) return;
  if (watcher_) watcher_->cancel();
  if (watchThread_.joinable()) watchThread_.join();
}

void ReaderMonitor::stopWorkers() {
  workers_->stop();
}

void ReaderMonitor::watchLoop() {
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

ReaderMonitor::ReaderState* ReaderMonitor::findReader(const std::string& name) {
  for (auto& state : readers_) {
    if (state.name == name) return &state;
  }
  return nullptr;
}

const ReaderMonitor::ReaderState* ReaderMonitor::findReader(const std::string& name) const {
  for (const auto& state : readers_) {
    if (state.name == name) return &state;
  }
  return nullptr;
}

void ReaderMonitor::cardLeftLocked(const std::string& reader, const std::string& reason) {
  if (cardLeft_) cardLeft_(reader, reason);
}

void ReaderMonitor::forgetCardLocked(ReaderState& state, const std::string& reader) {
  if (state.insertionAnnounced)
    events_.publishLocked(Event::ofReader(Event::Type::CardRemoved, reader));
  state.authenticity.reset();
  state.cardType.clear();
  state.cardKind.reset();
  state.insertionAnnounced = false;
  ++state.cardGeneration;  // work still queued for the old card finds it gone
}

void ReaderMonitor::apply(const ReaderEvent& event) {
  // The cache first: a read that starts after this event must not get the
  // previous card's model.
  cache_.onEvent(event);
  std::lock_guard lock(events_.mutex());
  const std::string& reader = event.reader;
  switch (event.kind) {
    case ReaderEventKind::ReaderAdded:
      if (findReader(event.reader) == nullptr) {
        readers_.emplace_back().name = event.reader;
        events_.publishLocked(Event::ofReader(Event::Type::ReaderAdded, reader));
      }
      break;
    case ReaderEventKind::ReaderRemoved:
      cardLeftLocked(event.reader, "reader-removed");
      if (auto* state = findReader(event.reader)) {
        if (state->insertionAnnounced)
          events_.publishLocked(Event::ofReader(Event::Type::CardRemoved, reader));
        std::erase_if(readers_, [&](const ReaderState& s) { return s.name == event.reader; });
        events_.publishLocked(Event::ofReader(Event::Type::ReaderRemoved, reader));
      }
      break;
    case ReaderEventKind::CardInserted: {
      auto* state = findReader(event.reader);
      if (state == nullptr) {
        readers_.emplace_back().name = event.reader;
        events_.publishLocked(Event::ofReader(Event::Type::ReaderAdded, reader));
        state = &readers_.back();
      }
      cardLeftLocked(event.reader, "card-removed");
      forgetCardLocked(*state, reader);
      state->cardPresent = true;
      const auto generation = state->cardGeneration;
      // card.inserted goes out once the reader's worker knows the card type.
      const std::string name = event.reader;
      workers_->post(name, [this, name, generation] { identifyCard(name, generation); });
      break;
    }
    case ReaderEventKind::CardRemoved:
      cardLeftLocked(event.reader, "card-removed");
      if (auto* state = findReader(event.reader)) {
        forgetCardLocked(*state, reader);
        state->cardPresent = false;
      }
      break;
    case ReaderEventKind::ServiceLost:
      // The cards may have been reset with pcscd.
      cardLeftLocked("", "service-lost");
      transportUp_ = false;
      events_.publishLocked(Event::ofService(Event::Type::ServiceLost));
      break;
    case ReaderEventKind::ServiceRestored:
      transportUp_ = true;
      events_.publishLocked(Event::ofService(Event::Type::ServiceRestored));
      break;
  }
}

// Runs on the reader's strand, so it never interleaves with a read.
void ReaderMonitor::identifyCard(const std::string& reader, std::uint64_t generation) {
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
  std::lock_guard lock(events_.mutex());
  auto* state = findReader(reader);
  if (state == nullptr || !state->cardPresent || state->cardGeneration != generation) return;
  state->cardType = type;
  state->cardKind = kind;
  state->insertionAnnounced = true;
  events_.publishLocked(Event::cardInserted(reader, type));
}

void ReaderMonitor::snapshotLocked(const EventChannel::Listener& listener) const {
  for (const auto& state : readers_) {
    listener(Event::ofReader(Event::Type::ReaderAdded, state.name));
    if (state.insertionAnnounced) listener(Event::cardInserted(state.name, state.cardType));
  }
}

bool ReaderMonitor::transportUp() const {
  std::lock_guard lock(events_.mutex());
  return transportUp_;
}

std::size_t ReaderMonitor::readerCount() const {
  std::lock_guard lock(events_.mutex());
  return readers_.size();
}

std::vector<api::ReaderView> ReaderMonitor::readers() const {
  std::lock_guard lock(events_.mutex());
  std::vector<api::ReaderView> views;
  for (const auto& state : readers_)
    views.push_back({state.name, state.cardPresent, state.cardType});
  return views;
}

std::string ReaderMonitor::resolveReader(CardKind kind,
                                         const std::optional<std::string>& reader) const {
  std::lock_guard lock(events_.mutex());
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
                      cardAbsentHint(registry_, kind));
    }
  }
  throw Error(Errc::CardAbsent, "no " + std::string(kindName(kind)) + " card in any reader",
              cardAbsentHint(registry_, kind));
}

std::uint64_t ReaderMonitor::cardGeneration(const std::string& reader) const {
  std::lock_guard lock(events_.mutex());
  const ReaderState* state = findReader(reader);
  return state == nullptr ? 0 : state->cardGeneration;
}

bool ReaderMonitor::postToCard(CardKind kind, const std::optional<std::string>& reader,
                               SessionCards::CardJob job, FailHandler fail) {
  std::string target;
  std::uint64_t generation = 0;
  try {
    target = resolveReader(kind, reader);
    generation = cardGeneration(target);
  } catch (const Error&) {
    fail(std::current_exception());
    return false;
  }
  return post(
      target, [job = std::move(job), target, generation] { job(target, generation); },
      std::move(fail));
}

bool ReaderMonitor::holdsCardLocked(const std::string& reader, std::uint64_t generation) const {
  const ReaderState* state = findReader(reader);
  return state != nullptr && state->cardPresent && state->cardGeneration == generation;
}

bool ReaderMonitor::post(const std::string& reader, std::function<void()> job, FailHandler fail) {
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

void ReaderMonitor::postCleanup(const std::string& reader, std::function<void()> job) {
  workers_->post(reader, std::move(job));
}

void ReaderMonitor::withCard(CardKind kind, std::optional<std::string> reader, CardJob job,
                             FailHandler fail) {
  std::string target;
  try {
    target = resolveReader(kind, reader);
  } catch (const Error&) {
    fail(std::current_exception());
    return;
  }
  post(
      target,
      [this, kind, target, job = std::move(job)] {
        const CachedCard card = readCard(target);
        if (card.driver->kind() != kind) {
          throw Error(Errc::CardUnsupported,
                      "the card in '" + target + "' is a " +
                          std::string(card.driver->displayName()) + ", not a " +
                          std::string(kindName(kind)) + " card",
                      cardAbsentHint(registry_, kind));
        }
        job(target, card);
      },
      std::move(fail));
}

CachedCard ReaderMonitor::readCard(const std::string& reader) {
  return cache_.read(transport_, reader);
}

std::optional<std::pair<std::string, CachedCard>> ReaderMonitor::cachedCard(
    CardKind kind, const std::optional<std::string>& reader) const {
  if (stopping_) return std::nullopt;
  std::string target;
  try {
    target = resolveReader(kind, reader);
  } catch (const Error&) {
    return std::nullopt;
  }
  auto card = cache_.find(target);
  if (!card || card->driver->kind() != kind) return std::nullopt;
  return std::pair{std::move(target), std::move(*card)};
}

std::shared_ptr<CardConnection> ReaderMonitor::connect(const std::string& reader, ShareMode mode) {
  return transport_.connect(reader, mode);
}

std::shared_ptr<PractitionerToken> ReaderMonitor::openToken(const std::string& reader,
                                                            const CachedCard& card) {
  return std::make_shared<DriverToken>(connect(reader, ShareMode::Exclusive), *card.driver);
}

std::optional<api::PatientAuthenticity> ReaderMonitor::rememberedAuthenticity(
    const std::string& reader, std::uint64_t& generation) const {
  std::lock_guard lock(events_.mutex());
  const ReaderState* state = findReader(reader);
  if (state == nullptr) return std::nullopt;
  generation = state->cardGeneration;
  return state->authenticity;
}

void ReaderMonitor::rememberAuthenticity(const std::string& reader, std::uint64_t generation,
                                         api::PatientAuthenticity authenticity) {
  std::lock_guard lock(events_.mutex());
  ReaderState* state = findReader(reader);
  if (state != nullptr && state->cardGeneration == generation) {
    state->authenticity = std::move(authenticity);
  }
}

}  // namespace hcbridge::core
