#include "practitioner_session.hpp"

#include "hcbridge/auth/tokens.hpp"
#include "hcbridge/error.hpp"

namespace hcbridge::core {
namespace {

using Clock = std::chrono::system_clock;

Error sessionRequired(std::string message) {
  return Error(Errc::SessionRequired, std::move(message),
               "Insert the practitioner card and open a session with POST "
               "/v1/practitioner/session.");
}

}  // namespace

PractitionerSession::PractitionerSession(SessionCards& readers, EventChannel& events,
                                         const AuthenticationSettings& settings)
    : readers_(readers), events_(events), settings_(settings) {
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

std::uint64_t PractitionerSession::requireOpen() const {
  return current().id;
}

PractitionerSession::Open PractitionerSession::current() const {
  std::lock_guard lock(events_.mutex());
  if (!open_) throw sessionRequired("no practitioner session is open");
  return *open_;
}

// The stages of an attempt are visible only while no session is open: an
// attempt that would replace the open session leaves it Open until it wins.
void PractitionerSession::setStage(Stage stage) {
  std::lock_guard lock(events_.mutex());
  if (!open_) stage_ = stage;
}

void PractitionerSession::open(api::SessionOpenRequest request, api::SessionOpenHandler done) {
  std::string target;
  std::uint64_t generation = 0;
  try {
    target = readers_.resolveReader(CardKind::Practitioner, request.reader);
    generation = readers_.cardGeneration(target);
  } catch (const Error&) {
    done(std::current_exception(), {});
    return;
  }
  // std::function needs a copyable job: the PIN travels in a shared buffer,
  // wiped when the last owner lets go of it.
  auto pin = std::make_shared<SecretBytes>(std::move(request.pin));
  const bool confirmLastTry = request.confirmLastTry;
  readers_.post(
      target,
      [this, target, generation, pin, confirmLastTry, done] {
        api::SessionOpened opened;
        try {
          opened = openOnCard(target, generation, std::move(*pin), confirmLastTry);
        } catch (...) {
          setStage(Stage::Closed);
          throw;
        }
        done(nullptr, std::move(opened));
      },
      [done](std::exception_ptr error) { done(error, {}); });
}

api::SessionOpened PractitionerSession::openOnCard(const std::string& reader,
                                                   std::uint64_t generation, SecretBytes pin,
                                                   bool confirmLastTry) {
  const CachedCard card = readers_.readCard(reader);
  const auto* model = std::get_if<PractitionerCard>(&card.model);
  if (model == nullptr) {
    throw Error(Errc::CardUnsupported, "the card in '" + reader + "' is not a practitioner card",
                "Insert the practitioner card, or name its reader.");
  }
  // The certificate first: no PIN goes to a card hcbridge would not trust.
  auto practitioner =
      std::make_shared<const ProvenPractitioner>(checkPractitionerCertificate(*model, settings_));
  setStage(Stage::CertificateChecked);
  // A session open on this very card holds its only (exclusive) connection,
  // so a second connection would be refused as reader-busy: the new attempt
  // goes through the session's connection and, once proven, replaces that
  // session (start).
  std::shared_ptr<CardConnection> connection;
  std::uint64_t replacedSession = 0;
  {
    std::lock_guard lock(events_.mutex());
    if (open_ && open_->reader == reader && open_->cardGeneration == generation) {
      connection = open_->connection;
      replacedSession = open_->id;
    }
  }
  if (!connection) connection = readers_.connect(reader, ShareMode::Exclusive);
  try {
    verifyPinAndProvePossession(*connection, *card.driver, *practitioner, std::move(pin),
                                confirmLastTry);
  } catch (const Error& error) {
    // Refused before the PIN was sent (last try, blocked): the card is as it was.
    if (error.code() == Errc::PinLastTry || error.code() == Errc::PinBlocked) throw;
    // Otherwise the PIN may be verified on the card by now -- whatever failed
    // after VERIFY (a bad signature, a mute card, a card that cannot sign) --
    // so leave no usable state behind. A card reset under an open session
    // also ends that session.
    try {
      connection->resetCard();
    } catch (const Error&) {
      // The card left meanwhile, or the transport cannot reset: nothing to undo here.
    }
    if (replacedSession != 0) {
      std::lock_guard lock(events_.mutex());
      if (open_ && open_->id == replacedSession) endLocked("pin-state-lost", false);
    }
    throw;
  }
  setStage(Stage::PinVerified);
  start(reader, generation, *card.driver, practitioner, connection);
  const Open session = current();
  api::SessionOpened opened;
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

void PractitionerSession::start(const std::string& reader, std::uint64_t generation,
                                const CardDriver& driver,
                                std::shared_ptr<const ProvenPractitioner> practitioner,
                                std::shared_ptr<CardConnection> connection) {
  std::lock_guard lock(events_.mutex());
  if (!readers_.holdsCardLocked(reader, generation)) {
    stage_ = open_ ? Stage::Open : Stage::Closed;
    throw Error(Errc::CardRemoved,
                "the practitioner card left '" + reader + "' while the session was being opened",
                "Insert the card again and open the session again.");
  }
  // One session at a time: a new one replaces the old, whose card forgets its PIN.
  if (open_) endLocked("replaced", open_->reader != reader);
  Open session;
  session.id = nextId_++;
  session.reader = reader;
  session.cardGeneration = generation;
  session.driver = &driver;
  session.practitioner = std::move(practitioner);
  session.connection = std::move(connection);
  session.openedAt = Clock::now();
  session.lastUsed = std::chrono::steady_clock::now();
  open_ = session;
  stage_ = Stage::Open;
  events_.publishLocked(api::ServiceEvent::sessionOpened(reader, settings_.sessionIdleTimeout));
  changed_.notify_all();
}

void PractitionerSession::touch(std::uint64_t id) {
  std::lock_guard lock(events_.mutex());
  if (open_ && open_->id == id) {
    open_->lastUsed = std::chrono::steady_clock::now();
    changed_.notify_all();
  }
}

void PractitionerSession::close(api::SessionCloseHandler done) {
  bool wasOpen = false;
  {
    std::lock_guard lock(events_.mutex());
    wasOpen = open_.has_value();
    if (wasOpen) endLocked("closed", true);
  }
  done(nullptr, wasOpen);
}

void PractitionerSession::endLocked(const std::string& reason, bool resetCard) {
  if (!open_) return;
  const std::string reader = open_->reader;
  std::shared_ptr<CardConnection> connection = std::move(open_->connection);
  open_.reset();
  stage_ = Stage::Closed;
  lastCloseReason_ = reason;
  changed_.notify_all();
  events_.publishLocked(api::ServiceEvent::sessionClosed(reader, reason));
  // On the reader's strand, after any job still using it: reset the card (a
  // card that left lost its PIN state with its power), then disconnect.
  readers_.postCleanup(reader, [connection = std::move(connection), resetCard]() mutable {
    try {
      if (resetCard) connection->resetCard();
    } catch (const Error&) {
      // The card left meanwhile: nothing left to reset.
    }
    connection.reset();
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
                                   std::function<void(CardConnection&, const Open&)> job,
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
          Transaction transaction(*session.connection);
          job(*session.connection, session);
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

void PractitionerSession::authenticate(std::string origin, std::string challengeNonce,
                                       api::WebEidTokenHandler done) {
  Open session;
  try {
    session = current();
  } catch (const Error&) {
    done(std::current_exception(), {});
    return;
  }
  withCard(
      session,
      [this, origin, challengeNonce, done](CardConnection& card, const Open& open) {
        const ProvenPractitioner& practitioner = *open.practitioner;
        nlohmann::json token = auth::makeWebEidToken(practitioner.certificate, origin,
                                                     challengeNonce, settings_.appVersion,
                                                     cardSigner(card, *open.driver, practitioner));
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
    session = current();
    if (session.id != sessionId) throw sessionRequired("the practitioner session closed");
  } catch (const Error&) {
    done(std::current_exception(), {});
    return;
  }
  withCard(
      session,
      [request, patient, patientSerialHash, done](CardConnection& card, const Open& open) {
        const ProvenPractitioner& practitioner = *open.practitioner;
        nlohmann::json claims = recordAccessClaims(practitioner, patient, request, Clock::now());
        std::string assertion = auth::makeCompactJws(practitioner.certificate, claims,
                                                     cardSigner(card, *open.driver, practitioner));
        done(nullptr, {std::move(assertion), std::move(claims), patientSerialHash});
      },
      [done](std::exception_ptr error) { done(error, {}); });
}

}  // namespace hcbridge::core
