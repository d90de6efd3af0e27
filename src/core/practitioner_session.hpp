// The practitioner session: "this practitioner, proven by her card, acts
// now". One at a time, bound to one insertion of one card, holding that
// card's connection exclusively (a card nobody is connected to is powered
// down by pcscd, and its PIN forgotten; no other program may use the
// verified PIN meanwhile). It opens through explicit stages -- closed,
// certificate checked, PIN verified, open -- and closes with a reason (DELETE,
// card or reader gone, pcscd lost, idle time, replaced, a card that stops
// signing properly). It signs tokens and assertions with the card, checking
// every signature the card returns.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "card_authentication.hpp"
#include "event_channel.hpp"
#include "hcbridge/api/backend.hpp"
#include "hcbridge/core/authentication_settings.hpp"
#include "pin_guard.hpp"
#include "record_access.hpp"
#include "session_cards.hpp"

namespace hcbridge::core {

class PractitionerSession {
 public:
  enum class Stage { Closed, CertificateChecked, PinVerified, Open };

  // Registers for cards leaving: construct before the readers start.
  PractitionerSession(SessionCards& readers, EventChannel& events,
                      const AuthenticationSettings& settings);
  ~PractitionerSession();
  PractitionerSession(const PractitionerSession&) = delete;
  PractitionerSession& operator=(const PractitionerSession&) = delete;

  // Stops the idle timer. Idempotent.
  void stop();

  Stage stage() const;
  // Why the last session closed ("" before the first one closed).
  std::string lastCloseReason() const;
  // The open session's practitioner label, for the audit log.
  std::optional<std::string> label() const;
  // The open session's label when `claim` is its opener's (token, caller and
  // local user); throws practitioner-session-required or session-not-yours.
  std::string claimLabel(const api::SessionClaim& claim) const;
  // The same check; returns the session's id.
  std::uint64_t requireOpen(const api::SessionClaim& claim) const;

  void open(api::SessionOpenRequest request, api::SessionOpenHandler done);
  void close(api::SessionClaim claim, api::SessionCloseHandler done);
  void authenticate(api::SessionClaim claim, std::string origin, std::string challengeNonce,
                    api::WebEidTokenHandler done);
  // Signs the record-access assertion for `patient` with the card of session
  // `sessionId` (from requireOpen()); a session replaced meanwhile does not
  // sign. With request.pin, the PIN is verified on the card first (under the
  // same guard as opening): card_absent_access "pin".
  void signRecordAccess(std::uint64_t sessionId, api::RecordAccessRequest request,
                        PatientIdentifier patient, std::string patientSerialHash,
                        api::RecordAccessHandler done);

 private:
  struct Open {
    std::uint64_t id = 0;
    api::SessionCaller owner;
    Bytes tokenDigest;    // SHA-256 of the opener's session token
    std::string cardKey;  // the card's serial hash: what the PIN guard counts by
    std::string reader;
    std::uint64_t cardGeneration = 0;
    std::shared_ptr<PractitionerToken> token;
    std::shared_ptr<const ProvenPractitioner> practitioner;
    std::chrono::system_clock::time_point openedAt;
    std::chrono::steady_clock::time_point lastUsed;
  };

  // On the card's strand: the stages from the certificate to the proof of possession.
  api::SessionOpened openOnCard(const std::string& reader, std::uint64_t generation,
                                api::SessionOpenRequest request);
  void setStage(Stage stage);
  // Returns the new session's token.
  std::string start(const std::string& reader, std::uint64_t generation, const CachedCard& card,
                    std::shared_ptr<const ProvenPractitioner> practitioner,
                    std::shared_ptr<PractitionerToken> token, const api::SessionCaller& owner);
  // Throws session-busy when another caller's session is open. Caller holds the event lock.
  void refuseIfBusyLocked(const api::SessionCaller& caller) const;
  // The open session when `claim` is its opener's. Caller holds the event lock.
  const Open& claimedLocked(const api::SessionClaim& claim) const;
  Open claimed(const api::SessionClaim& claim) const;
  // Runs a signing job on the session's card; a card that stopped signing
  // properly (bad signature, PIN state lost) ends the session.
  void withCard(const Open& session, std::function<void(PractitionerToken&, const Open&)> job,
                std::function<void(std::exception_ptr)> fail);
  void touch(std::uint64_t id);
  // Caller holds the event lock. Publishes practitioner.session.closed;
  // resetCard also resets the card so its verified PIN is gone.
  void endLocked(const std::string& reason, bool resetCard);
  void onCardLeftLocked(const std::string& reader, const std::string& reason);
  void snapshotLocked(const EventChannel::Listener& listener) const;
  void idleTimerLoop();

  SessionCards& readers_;
  EventChannel& events_;
  const AuthenticationSettings& settings_;
  PinGuard pinGuard_;
  // Guarded by events_.mutex(): opening and closing go out as events in order.
  std::optional<Open> open_;
  Stage stage_ = Stage::Closed;
  std::string lastCloseReason_;
  std::uint64_t nextId_ = 1;
  std::condition_variable changed_;  // wakes the idle timer
  bool stopping_ = false;
  std::thread idleTimer_;
};

}  // namespace hcbridge::core
