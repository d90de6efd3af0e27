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

#include "hcbridge/secret.hpp"

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
using JsonHandler = std::function<void(std::exception_ptr error, nlohmann::json result)>;

struct SessionOpenRequest {
  SecretBytes pin;
  // Must be true to send the PIN when the card has one try left.
  bool confirmLastTry = false;
  std::optional<std::string> reader;  // the practitioner card's reader; default: the first one
};

// The card-facing part of a record-access request; the API checked its syntax.
struct RecordAccessRequest {
  std::string audience;
  std::string nonce;
  std::string purpose;                 // normal | bris_de_glace | centre_15
  std::string origin;                  // the caller's origin (or the native app's configured one)
  std::optional<std::string> patient;  // patient identifier given by the caller
  std::optional<int> beneficiary;      // rank of the card's beneficiary (Vitale), else the holder
  std::optional<std::string> justification;  // bris_de_glace
  std::optional<std::string> patientReader;
};

struct RecordAccessIssued {
  std::string assertion;          // compact JWS
  nlohmann::json claims;          // as signed
  std::string patientSerialHash;  // empty when the patient was given, not read
};
using RecordAccessHandler = std::function<void(std::exception_ptr error, RecordAccessIssued)>;

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

  // The open practitioner session, if any: a label of the practitioner
  // (card type and professional id, for the audit log).
  virtual std::optional<std::string> practitionerSession() const = 0;

  // Validates the practitioner card's certificate, sends the PIN once (never
  // retried), proves the card holds the certificate's key, and opens the
  // session: {"practitioner": {...}, "reader", "openedAt", "expiresAt",
  // "idleTimeoutSeconds", "algorithm"}. Errors: pin-incorrect (retriesLeft),
  // pin-last-try, pin-blocked, certificate-*, card-signature-invalid, card-*.
  virtual void openPractitionerSession(SessionOpenRequest request, JsonHandler done) = 0;
  // Closes the session and resets the card so its PIN state is gone;
  // {"closed": true} or {"closed": false} when none was open.
  virtual void closePractitionerSession(JsonHandler done) = 0;
  // The Web eID authentication token for origin + challengeNonce, signed by
  // the card in the open session.
  virtual void authenticatePractitioner(std::string origin, std::string challengeNonce,
                                        JsonHandler done) = 0;
  // A record-access assertion signed by the card in the open session.
  virtual void issueRecordAccess(RecordAccessRequest request, RecordAccessHandler done) = 0;

  // The listener first receives the current state as events (reader.added
  // for each reader, card.inserted for each card), then live events, in
  // order, from one thread at a time. It must not block.
  virtual std::unique_ptr<Subscription> subscribe(
      std::function<void(const ServiceEvent&)> listener) = 0;
};

}  // namespace hcbridge::api
