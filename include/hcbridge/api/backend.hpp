// What the HTTP/WebSocket API needs from the service core. The API layer
// (src/api) knows nothing of readers, drivers or PC/SC; the card service
// (src/core, core::CardService) implements this interface, tests use a fake.
// Results are typed: src/api alone decides their JSON form. The two signed
// artefacts (a Web eID token, a record-access assertion's claims) are the
// exception: they are JSON by nature, made and signed in the core, and the
// API passes them on unchanged.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hcbridge/card_model.hpp"
#include "hcbridge/secret.hpp"

namespace hcbridge::api {

struct ServiceStatus {
  std::string version;
  std::string transport;  // "pcsc" | "simulated"
  bool transportUp = false;
  std::size_t readers = 0;
};

struct ReaderView {
  std::string name;
  bool cardPresent = false;
  // Driver id ("vitale", "cps", "egk", "hba"), "unknown" for a card no
  // driver knows, empty when no card is present or it is not identified yet.
  std::string cardType;
  bool operator==(const ReaderView&) const = default;
};

// One event for WebSocket clients. Never carries health data.
struct ServiceEvent {
  enum class Type {
    ReaderAdded,
    ReaderRemoved,
    CardInserted,
    CardRemoved,
    SessionOpened,
    SessionClosed,
    ServiceLost,
    ServiceRestored,
  };
  Type type = Type::ServiceLost;
  std::string reader;    // every type but service.*
  std::string cardType;  // card.inserted
  std::string reason;    // practitioner.session.closed: closed, replaced, idle-timeout, ...
  std::optional<std::chrono::seconds> idleTimeout;  // practitioner.session.opened

  // reader.added, reader.removed, card.removed
  static ServiceEvent ofReader(Type type, std::string reader) {
    ServiceEvent event;
    event.type = type;
    event.reader = std::move(reader);
    return event;
  }
  static ServiceEvent cardInserted(std::string reader, std::string cardType) {
    ServiceEvent event = ofReader(Type::CardInserted, std::move(reader));
    event.cardType = std::move(cardType);
    return event;
  }
  static ServiceEvent sessionOpened(std::string reader, std::chrono::seconds idleTimeout) {
    ServiceEvent event = ofReader(Type::SessionOpened, std::move(reader));
    event.idleTimeout = idleTimeout;
    return event;
  }
  static ServiceEvent sessionClosed(std::string reader, std::string reason) {
    ServiceEvent event = ofReader(Type::SessionClosed, std::move(reader));
    event.reason = std::move(reason);
    return event;
  }
  // service.lost, service.restored
  static ServiceEvent ofService(Type type) {
    ServiceEvent event;
    event.type = type;
    return event;
  }
};

// The event's name on the wire and in the log: "card.inserted", ...
constexpr std::string_view eventTypeName(ServiceEvent::Type type) {
  switch (type) {
    case ServiceEvent::Type::ReaderAdded:
      return "reader.added";
    case ServiceEvent::Type::ReaderRemoved:
      return "reader.removed";
    case ServiceEvent::Type::CardInserted:
      return "card.inserted";
    case ServiceEvent::Type::CardRemoved:
      return "card.removed";
    case ServiceEvent::Type::SessionOpened:
      return "practitioner.session.opened";
    case ServiceEvent::Type::SessionClosed:
      return "practitioner.session.closed";
    case ServiceEvent::Type::ServiceLost:
      return "service.lost";
    case ServiceEvent::Type::ServiceRestored:
      return "service.restored";
  }
  return "unknown";
}

// Whether a patient card proved itself genuine (once per insertion).
struct PatientAuthenticity {
  enum class Status { Verified, Unverified, Failed };
  Status status = Status::Unverified;
  std::string reason;  // for people: why this status
  std::string method;  // e.g. "x509 challenge-response (...)"; empty when no proof was made
  bool operator==(const PatientAuthenticity&) const = default;
};

struct CardRead {
  // Shared and never changed: a kept card's model is handed to each read,
  // not copied (fewer copies of a patient's data in memory; issue 17).
  // Never null in a successful read.
  std::shared_ptr<const CardModel> card;
  std::optional<PatientAuthenticity> authenticity;  // patient cards
  std::string reader;                               // where it was read
  std::string serialHash;  // core::SerialHasher output: the only serial an audit line may hold
  // Equal card data: the same shared model, or equal models.
  bool operator==(const CardRead& other) const {
    const bool sameCard = card == other.card || (card && other.card && *card == *other.card);
    return sameCard && authenticity == other.authenticity && reader == other.reader &&
           serialHash == other.serialHash;
  }
};

// The practitioner's certificate as checked when the session opened.
struct CheckedCertificate {
  std::string subject;
  std::string issuer;
  std::string notAfter;  // ISO 8601 UTC
  bool revocationChecked = false;
};

struct SessionOpened {
  // The card as read; the API shows its identity, never its certificates.
  PractitionerCard practitioner;
  std::string reader;
  std::string algorithm;  // the JWS name of the card's key: "RS256" | "ES256"
  CheckedCertificate certificate;
  std::chrono::system_clock::time_point openedAt;
  std::chrono::seconds idleTimeout{0};
  // The opener's key to the session (base64url of 32 random bytes): sent
  // back in HCBridge-Session by every call that uses the session. Only the
  // opener ever sees it; the service keeps its hash.
  std::string sessionToken;
};

// Who asks, as the API admitted them: what a practitioner session is bound to.
struct SessionCaller {
  std::string identity;              // "origin https://..." or "app NAME"
  std::optional<std::uint32_t> uid;  // the local user of the client's process, when known
};

// The one rule for "the same caller": the same admitted identity and the
// same, known, local user. A user the service could not find matches nobody:
// a blind check must refuse, never pass.
inline bool sameCaller(const SessionCaller& a, const SessionCaller& b) {
  return a.identity == b.identity && a.uid.has_value() && b.uid.has_value() && *a.uid == *b.uid;
}

// A claim on the open practitioner session: the token its opener was given
// (header HCBridge-Session) and who sends it. Both must match the opener's.
struct SessionClaim {
  SessionCaller caller;
  std::string token;  // empty when the header was missing
};

// Called exactly once, on any thread: error is null on success.
using CardReadHandler = std::function<void(std::exception_ptr error, CardRead result)>;
using SessionOpenHandler = std::function<void(std::exception_ptr error, SessionOpened result)>;
// wasOpen: whether a session was open (and is now closed).
using SessionCloseHandler = std::function<void(std::exception_ptr error, bool wasOpen)>;
// token: the Web eID authentication token object, as signed.
using WebEidTokenHandler = std::function<void(std::exception_ptr error, nlohmann::json token)>;

struct SessionOpenRequest {
  SessionCaller caller;  // who opens it: the session is theirs alone
  SecretBytes pin;
  // Must be true to send the PIN when the card has one try left.
  bool confirmLastTry = false;
  std::optional<std::string> reader;  // the practitioner card's reader; default: the first one
};

// The card-facing part of a record-access request; the API checked its syntax.
struct RecordAccessRequest {
  SessionClaim session;
  // card_absent_access "pin": a record access for a patient whose card is
  // not in a reader carries the practitioner's PIN, verified for it alone.
  std::optional<SecretBytes> pin;
  bool confirmLastTry = false;
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
  nlohmann::json claims;          // its payload, as signed
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

  virtual ServiceStatus status() const = 0;
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
  // The open session's label when `claim` is its opener's; throws
  // practitioner-session-required (none open) or session-not-yours.
  virtual std::string claimPractitionerSession(const SessionClaim& claim) const = 0;

  // Validates the practitioner card's certificate, sends the PIN once (never
  // retried), proves the card holds the certificate's key, and opens the
  // session, bound to request.caller. Errors: session-busy (another caller's
  // session is open), pin-attempt-too-soon, pin-incorrect (retriesLeft),
  // pin-last-try, pin-blocked, certificate-*, card-signature-invalid, card-*.
  virtual void openPractitionerSession(SessionOpenRequest request, SessionOpenHandler done) = 0;
  // Closes the session (when `claim` is its opener's) and resets the card so
  // its PIN state is gone.
  virtual void closePractitionerSession(SessionClaim claim, SessionCloseHandler done) = 0;
  // The Web eID authentication token for origin + challengeNonce, signed by
  // the card in the open session (when `claim` is its opener's).
  virtual void authenticatePractitioner(SessionClaim claim, std::string origin,
                                        std::string challengeNonce, WebEidTokenHandler done) = 0;
  // A record-access assertion signed by the card in the open session (when
  // request.session is its opener's). A patient given without a card in a
  // reader follows card_absent_access: the PIN verified again, the session
  // alone, or patient-card-required.
  virtual void issueRecordAccess(RecordAccessRequest request, RecordAccessHandler done) = 0;

  // The listener first receives the current state as events (reader.added
  // for each reader, card.inserted for each card), then live events, in
  // order, from one thread at a time. It must not block.
  virtual std::unique_ptr<Subscription> subscribe(
      std::function<void(const ServiceEvent&)> listener) = 0;
};

}  // namespace hcbridge::api
