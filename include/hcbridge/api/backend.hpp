// What the HTTP/WebSocket API needs from the service core. The API layer
// (src/api) knows nothing of readers, drivers or PC/SC; the reader manager
// (src/core) implements this interface, tests use a fake.
#pragma once

#include <exception>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace hcbridge::api {

struct ReaderView {
  std::string name;
  bool cardPresent = false;
  // Driver id ("vitale", "cps", "egk", "hba"), "unknown" for a card no
  // driver knows, empty when no card is present or it is not identified yet.
  std::string cardType;
};

// One event for WebSocket clients, e.g. {"type":"card.inserted",
// "data":{"reader":"...","cardType":"vitale"}}. Never carries health data.
struct ServiceEvent {
  std::string type;  // reader.added|reader.removed|card.inserted|card.removed|
                     // practitioner.session.opened|practitioner.session.closed|
                     // service.lost|service.restored
  nlohmann::json data;
};

struct CardRead {
  nlohmann::json card;     // core::toJson(model)
  std::string reader;      // where it was read
  std::string serialHash;  // core::SerialHasher output: the only serial an audit line may hold
};

// Called exactly once, on any thread: error is null on success.
using CardReadHandler = std::function<void(std::exception_ptr error, CardRead result)>;

// Destroying it unsubscribes; after the destructor returns no more calls arrive.
class Subscription {
 public:
  virtual ~Subscription() = default;
};

class Backend {
 public:
  virtual ~Backend() = default;

  // {"version":..., "transport":"pcsc"|"simulated", "transportState":"up"|"lost", "readers":N}
  virtual nlohmann::json status() const = 0;
  virtual std::vector<ReaderView> readers() const = 0;

  // Card operations run off the network threads (they take milliseconds to
  // seconds). No reader given: the first reader holding a card of that kind.
  // Errors are hcbridge::Error (card-absent, card-removed, card-unsupported,
  // reader-not-found, reader-busy, pcsc-unavailable, ...).
  virtual void readPatientCard(std::optional<std::string> reader, CardReadHandler done) = 0;
  virtual void readPractitionerCard(std::optional<std::string> reader, CardReadHandler done) = 0;

  // The open practitioner session, if any: a display label of the
  // practitioner (for the audit log). Opened by the authentication issue's
  // endpoints; until then only tests open one.
  virtual std::optional<std::string> practitionerSession() const = 0;

  // The listener first receives the current state as events (reader.added
  // for each reader, card.inserted for each card), then live events, in
  // order, from one thread at a time. It must not block.
  virtual std::unique_ptr<Subscription> subscribe(
      std::function<void(const ServiceEvent&)> listener) = 0;
};

}  // namespace hcbridge::api
