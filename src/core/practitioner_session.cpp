#include "practitioner_session.hpp"

#include <openssl/crypto.h>

#include "hcbridge/auth/crypto.hpp"
#include "hcbridge/auth/tokens.hpp"
#include "hcbridge/error.hpp"

namespace hcbridge::core {
namespace {

using Clock = std::chrono::system_clock;

constexpr std::size_t kSessionTokenBytes = 32;

Error sessionRequired(std::string message) {
  return Error(Errc::SessionRequired, std::move(message),
               "Insert the practitioner card and open a session with POST "
               "/v1/practitioner/session.");
}

Error notYours(std::string message) {
  return Error(Errc::SessionNotYours, std::move(message),
               "Send the sessionToken your POST /v1/practitioner/session received, in the header "
               "HCBridge-Session, from the same application and local user; or open your own "
               "session once the practitioner's card has left the reader.");
}

bool sameDigest(const Bytes& a, const Bytes& b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

PractitionerSession::PractitionerSession(SessionCards& readers, EventChannel& events,
                                         const AuthenticationSettings& settings)
    : readers_(readers), events_(events), settings_(settings), pinGuard_(settings.pinRetryDelays) {
  readers_.setCardLeftHandler([this](const std::string& reader, const std::string& reason) {
    onCardLeftLocked(reader, reason);
  });
  // A page loaded while a session is open learns of it, as it would have live.
  events_.addSnapshot([this](const EventChannel::Listener& listener) { snapshotLocked(listener); });
  idleTimer_ = std::thread([this] { idleTimerLoop(); });
}

PractitionerSession::~PractitionerSession() {
  stop();
}

void PractitionerSession::stop() {
  {
    std::lock_guard lock(events_.mutex());
    // The card forgets the PIN before the service goes: nothing may use it after.
    if (!stopping_) endLocked("service-stopped", true);
    stopping_ = true;
    changed_.notify_all();
  }
  if (idleTimer_.joinable()) idleTimer_.join();
}

PractitionerSession::Stage PractitionerSession::stage() const {
  std::lock_guard lock(events_.mutex());
  return stage_;
}

std::string PractitionerSession::lastCloseReason() const {
  std::lock_guard lock(events_.mutex());
  return lastCloseReason_;
}

std::optional<std::string> PractitionerSession::label() const {
  std::lock_guard lock(events_.mutex());
  if (!open_) return std::nullopt;
  return open_->practitioner->label;
}

std::string PractitionerSession::claimLabel(const api::SessionClaim& claim) const {
  return claimed(claim).practitioner->label;
}

std::uint64_t PractitionerSession::requireOpen(const api::SessionClaim& claim) const {
  return claimed(claim).id;
}

PractitionerSession::Open PractitionerSession::claimed(const api::SessionClaim& claim) const {
  std::lock_guard lock(events_.mutex());
  return claimedLocked(claim);
}

// The token proves the caller saw the opening's answer; the caller and the
// local user must also be the opener's, so a token that leaked (a log, a
// shared screen) is useless to another page, application or user.
const PractitionerSession::Open& PractitionerSession::claimedLocked(
    const api::SessionClaim& claim) const {
  if (!open_) throw sessionRequired("no practitioner session is open");
  if (claim.token.empty()) {
    throw notYours("the request has no HCBridge-Session header");
  }
  if (!sameDigest(auth::sha256(std::string_view(claim.token)), open_->tokenDigest) ||
      !api::sameCaller(claim.caller, open_->owner)) {
    throw notYours("the practitioner session was opened by another caller, or the token is wrong");
  }
  return *open_;
}

void PractitionerSession::refuseIfBusyLocked(const api::SessionCaller& caller) const {
  if (open_ && !api::sameCaller(open_->owner, caller)) {
    throw Error(Errc::SessionBusy,
                "another application holds the open practitioner session; the PIN was not sent",
                "Close the session in the application that opened it, or remove the "
                "practitioner's card and insert it again.");
  }
}

// The stages of an attempt are visible only while no session is open: an
// attempt that would replace the open session leaves it Open until it wins.
void PractitionerSession::setStage(Stage stage) {
  std::lock_guard lock(events_.mutex());
  if (!open_) stage_ = stage;
}

void PractitionerSession::open(api::SessionOpenRequest request, api::SessionOpenHandler done) {
  try {
    if (!request.caller.uid) {
      throw Error(Errc::SessionNotYours,
                  "the service cannot tell which local user sent this request, so a session "
                  "opened by it could be used by any user; the PIN was not sent",
                  "The service must be able to read /proc/self/net/tcp (its log says so at "
                  "start); see docs/security.md.");
    }
    std::lock_guard lock(events_.mutex());
    refuseIfBusyLocked(request.caller);
  } catch (const Error&) {
    done(std::current_exception(), {});
    return;
  }
  // std::function needs a copyable job: the request (and its PIN) travels in
  // a shared buffer, wiped when the last owner lets go of it.
  const std::optional<std::string> reader = request.reader;
  auto shared = std::make_shared<api::SessionOpenRequest>(std::move(request));
  readers_.postToCard(
      CardKind::Practitioner, reader,
      [this, shared, done](const std::string& target, std::uint64_t generation) {
        api::SessionOpened opened;
        try {
          opened = openOnCard(target, generation, std::move(*shared));
        } catch (...) {
          setStage(Stage::Closed);
          throw;
        }
        done(nullptr, std::move(opened));
      },
      [done](std::exception_ptr error) { done(error, {}); });
}

api::SessionOpened PractitionerSession::openOnCard(const std::string& reader,
                                                   std::uint64_t generation,
                                                   api::SessionOpenRequest request) {
  const CachedCard card = readers_.readCard(reader);
  const auto* model = std::get_if<PractitionerCard>(card.model.get());
  if (model == nullptr) {
    throw Error(Errc::CardUnsupported, "the card in '" + reader + "' is not a practitioner card",
                "Insert the practitioner card, or name its reader.");
  }
  // The certificate first: no PIN goes to a card hcbridge would not trust.
  ProvenPractitioner proven = checkPractitionerCertificate(*model, settings_);
  setStage(Stage::CertificateChecked);
  // A session open on this very card holds its only (exclusive) connection,
  // so a second connection would be refused as reader-busy: the new attempt
  // goes through the session's token and, once proven, replaces that
  // session (start).
  std::shared_ptr<PractitionerToken> token;
  std::uint64_t replacedSession = 0;
  {
    std::lock_guard lock(events_.mutex());
    // Again on the card's strand: a session may have opened while this attempt waited.
    refuseIfBusyLocked(request.caller);
    if (open_ && open_->reader == reader && open_->cardGeneration == generation) {
      token = open_->token;
      replacedSession = open_->id;
    }
  }
  if (!token) token = readers_.openToken(reader, card);
  proven.algorithm = token->signingAlgorithm(proven.algorithm);
  auto practitioner = std::make_shared<const ProvenPractitioner>(std::move(proven));
  try {
    token->exclusively([&] {
      verifyPractitionerPin(*token, *practitioner, std::move(request.pin), pinGuard_,
                            {card.serialHash, request.caller, request.confirmLastTry});
      provePossession(*token, *practitioner);
    });
  } catch (const Error& error) {
    // Refused before the PIN was sent (last try, blocked, too soon): the card is as it was.
    if (error.code() == Errc::PinLastTry || error.code() == Errc::PinBlocked ||
        error.code() == Errc::PinAttemptTooSoon) {
      throw;
    }
    // Otherwise the PIN may be verified on the card by now -- whatever failed
    // after VERIFY (a bad signature, a mute card, a card that cannot sign) --
    // so leave no usable state behind. A card reset under an open session
    // also ends that session.
    token->forget();
    if (replacedSession != 0) {
      std::lock_guard lock(events_.mutex());
      if (open_ && open_->id == replacedSession) endLocked("pin-state-lost", false);
    }
    throw;
  }
  setStage(Stage::PinVerified);
  std::string sessionToken;
  try {
    sessionToken = start(reader, generation, card, practitioner, token, request.caller);
  } catch (const Error& error) {
    // This card's PIN is verified by now: leave no usable state behind.
    if (error.code() == Errc::SessionBusy) token->forget();
    throw;
  }
  const Open session = claimed({request.caller, sessionToken});
  api::SessionOpened opened;
  opened.sessionToken = std::move(sessionToken);
  opened.practitioner = practitioner->card;
  opened.reader = reader;
  opened.algorithm = std::string(auth::jwsName(practitioner->algorithm));
  opened.certificate = {practitioner->validation.subject, practitioner->validation.issuer,
                        practitioner->validation.notAfter,
                        practitioner->validation.revocationChecked};
  opened.openedAt = session.openedAt;
  opened.idleTimeout = settings_.sessionIdleTimeout;
  return opened;
}

std::string PractitionerSession::start(const std::string& reader, std::uint64_t generation,
                                       const CachedCard& card,
                                       std::shared_ptr<const ProvenPractitioner> practitioner,
                                       std::shared_ptr<PractitionerToken> token,
                                       const api::SessionCaller& owner) {
  std::string sessionToken = auth::base64Url(auth::randomBytes(kSessionTokenBytes));
  std::lock_guard lock(events_.mutex());
  if (!readers_.holdsCardLocked(reader, generation)) {
    stage_ = open_ ? Stage::Open : Stage::Closed;
    throw Error(Errc::CardRemoved,
                "the practitioner card left '" + reader + "' while the session was being opened",
                "Insert the card again and open the session again.");
  }
  // Another caller's session may have opened on another card while this
  // one's PIN was checked: it is not replaced (the caller resets this card).
  if (open_ && !api::sameCaller(open_->owner, owner)) {
    stage_ = Stage::Open;
    refuseIfBusyLocked(owner);
  }
  // One session at a time: a new one replaces the old, whose card forgets its PIN.
  if (open_) endLocked("replaced", open_->reader != reader);
  Open session;
  session.id = nextId_++;
  session.owner = owner;
  session.tokenDigest = auth::sha256(std::string_view(sessionToken));
  session.cardKey = card.serialHash;
  session.reader = reader;
  session.cardGeneration = generation;
  session.practitioner = std::move(practitioner);
  session.token = std::move(token);
  session.openedAt = Clock::now();
  session.lastUsed = std::chrono::steady_clock::now();
  open_ = session;
  stage_ = Stage::Open;
  events_.publishLocked(api::ServiceEvent::sessionOpened(reader, settings_.sessionIdleTimeout));
  changed_.notify_all();
  return sessionToken;
}

void PractitionerSession::touch(std::uint64_t id) {
  std::lock_guard lock(events_.mutex());
  if (open_ && open_->id == id) {
    open_->lastUsed = std::chrono::steady_clock::now();
    changed_.notify_all();
  }
}

void PractitionerSession::close(api::SessionClaim claim, api::SessionCloseHandler done) {
  bool wasOpen = false;
  try {
    std::lock_guard lock(events_.mutex());
    wasOpen = open_.has_value();
    if (wasOpen) {
      claimedLocked(claim);
      endLocked("closed", true);
    }
  } catch (const Error&) {
    done(std::current_exception(), false);
    return;
  }
  done(nullptr, wasOpen);
}

void PractitionerSession::endLocked(const std::string& reason, bool resetCard) {
  if (!open_) return;
  const std::string reader = open_->reader;
  std::shared_ptr<PractitionerToken> token = std::move(open_->token);
  open_.reset();
  stage_ = Stage::Closed;
  lastCloseReason_ = reason;
  changed_.notify_all();
  events_.publishLocked(api::ServiceEvent::sessionClosed(reader, reason));
  // On the reader's strand, after any job still using it: reset the card (a
  // card that left lost its PIN state with its power), then disconnect.
  readers_.postCleanup(reader, [token = std::move(token), resetCard]() mutable {
    if (resetCard) token->forget();
    token.reset();
  });
}

void PractitionerSession::onCardLeftLocked(const std::string& reader, const std::string& reason) {
  // An empty reader (pcscd lost): the cards may have been reset with it.
  if (open_ && (reader.empty() || open_->reader == reader)) endLocked(reason, false);
}

void PractitionerSession::snapshotLocked(const EventChannel::Listener& listener) const {
  if (!open_) return;
  listener(api::ServiceEvent::sessionOpened(open_->reader, settings_.sessionIdleTimeout));
}

void PractitionerSession::idleTimerLoop() {
  std::unique_lock lock(events_.mutex());
  while (!stopping_) {
    if (!open_) {
      changed_.wait(lock);
      continue;
    }
    const auto deadline = open_->lastUsed + settings_.sessionIdleTimeout;
    if (std::chrono::steady_clock::now() >= deadline) {
      endLocked("idle-timeout", true);
      continue;
    }
    changed_.wait_until(lock, deadline);
  }
}

void PractitionerSession::withCard(const Open& session,
                                   std::function<void(PractitionerToken&, const Open&)> job,
                                   std::function<void(std::exception_ptr)> fail) {
  readers_.post(
      session.reader,
      [this, session, job] {
        {
          std::lock_guard lock(events_.mutex());
          if (!open_ || open_->id != session.id) {
            throw sessionRequired("the practitioner session closed");
          }
        }
        try {
          session.token->exclusively([&] { job(*session.token, session); });
        } catch (const Error& error) {
          if (error.code() == Errc::CardSignatureInvalid) {
            std::lock_guard lock(events_.mutex());
            if (open_ && open_->id == session.id) endLocked("bad-signature", true);
            throw;
          }
          if (error.code() == Errc::PinRequired) {
            // Another program reset the card: its PIN state is gone.
            std::lock_guard lock(events_.mutex());
            if (open_ && open_->id == session.id) endLocked("pin-state-lost", false);
            throw sessionRequired(
                "the practitioner card no longer holds the verified PIN "
                "(was it reset by another program?)");
          }
          throw;
        }
        touch(session.id);
      },
      std::move(fail));
}

void PractitionerSession::authenticate(api::SessionClaim claim, std::string origin,
                                       std::string challengeNonce, api::WebEidTokenHandler done) {
  Open session;
  try {
    session = claimed(claim);
  } catch (const Error&) {
    done(std::current_exception(), {});
    return;
  }
  withCard(
      session,
      [this, origin, challengeNonce, done](PractitionerToken& card, const Open& open) {
        const ProvenPractitioner& practitioner = *open.practitioner;
        nlohmann::json token = auth::makeWebEidToken(
            practitioner.certificate, origin, challengeNonce, settings_.appVersion,
            cardSigner(card, practitioner), practitioner.algorithm);
        done(nullptr, std::move(token));
      },
      [done](std::exception_ptr error) { done(error, {}); });
}

void PractitionerSession::signRecordAccess(std::uint64_t sessionId,
                                           api::RecordAccessRequest request,
                                           PatientIdentifier patient, std::string patientSerialHash,
                                           api::RecordAccessHandler done) {
  Open session;
  try {
    session = claimed(request.session);
    if (session.id != sessionId) throw sessionRequired("the practitioner session closed");
  } catch (const Error&) {
    done(std::current_exception(), {});
    return;
  }
  // std::function needs a copyable job: the request (and its PIN) travels in a shared buffer.
  auto shared = std::make_shared<api::RecordAccessRequest>(std::move(request));
  withCard(
      session,
      [this, shared, patient, patientSerialHash, done](PractitionerToken& card, const Open& open) {
        const ProvenPractitioner& practitioner = *open.practitioner;
        const api::RecordAccessRequest& access = *shared;
        if (shared->pin) {
          verifyPractitionerPin(card, practitioner, std::move(*shared->pin), pinGuard_,
                                {open.cardKey, access.session.caller, access.confirmLastTry});
          shared->pin.reset();
        }
        nlohmann::json claims = recordAccessClaims(practitioner, patient, access, Clock::now());
        std::string assertion =
            auth::makeCompactJws(practitioner.certificate, claims, cardSigner(card, practitioner),
                                 practitioner.algorithm);
        done(nullptr, {std::move(assertion), std::move(claims), patientSerialHash});
      },
      [done](std::exception_ptr error) { done(error, {}); });
}

}  // namespace hcbridge::core
