// The practitioner session part of the reader manager: opening it with the
// PIN, signing tokens and assertions with the session's card, and closing
// it (DELETE, card removed, idle time, a card that stops signing properly).
#include <chrono>
#include <memory>

#include "card_authentication.hpp"
#include "card_workers.hpp"
#include "hcbridge/auth/tokens.hpp"
#include "hcbridge/core/model_json.hpp"
#include "hcbridge/core/reader_manager.hpp"
#include "hcbridge/error.hpp"
#include "record_access.hpp"

namespace hcbridge::core {
namespace {

using Clock = std::chrono::system_clock;

std::string isoTime(Clock::time_point time) {
  const std::time_t seconds = Clock::to_time_t(time);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

Error sessionRequired(std::string message) {
  return Error(Errc::SessionRequired, std::move(message),
               "Insert the practitioner card and open a session with POST "
               "/v1/practitioner/session.");
}

}  // namespace

std::optional<std::string> ReaderManager::practitionerSession() const {
  std::lock_guard lock(mutex_);
  if (!session_) return std::nullopt;
  return session_->practitioner->label;
}

void ReaderManager::openPractitionerSession(api::SessionOpenRequest request,
                                            api::JsonHandler done) {
  std::string target;
  std::uint64_t generation = 0;
  try {
    std::lock_guard lock(mutex_);
    target = resolveReader(CardKind::Practitioner, request.reader);
    generation = findReader(target)->cardGeneration;
  } catch (const Error&) {
    done(std::current_exception(), nullptr);
    return;
  }
  // std::function needs a copyable job: the PIN travels in a shared buffer,
  // wiped when the last owner lets go of it.
  auto pin = std::make_shared<SecretBytes>(std::move(request.pin));
  const bool confirmLastTry = request.confirmLastTry;
  postCardJob(
      target,
      [this, target, generation, pin, confirmLastTry, done] {
        const CachedCard card = cache_.read(transport_, target);
        const auto* model = std::get_if<PractitionerCard>(&card.model);
        if (model == nullptr) {
          throw Error(Errc::CardUnsupported,
                      "the card in '" + target + "' is not a practitioner card",
                      "Insert a CPS or HBA, or name its reader.");
        }
        // The certificate first: no PIN goes to a card hcbridge would not trust.
        auto practitioner = std::make_shared<const ProvenPractitioner>(
            checkPractitionerCertificate(*model, authentication_));
        // A session open on this very card holds its only (exclusive)
        // connection, so a second connection would be refused as reader-busy:
        // the new attempt goes through the session's connection and, once
        // proven, replaces that session (startSession).
        std::shared_ptr<CardConnection> connection;
        std::uint64_t replacedSession = 0;
        {
          std::lock_guard lock(mutex_);
          if (session_ && session_->reader == target && session_->cardGeneration == generation) {
            connection = session_->connection;
            replacedSession = session_->id;
          }
        }
        if (!connection) connection = transport_.connect(target, ShareMode::Exclusive);
        try {
          verifyPinAndProvePossession(*connection, *card.driver, *practitioner, std::move(*pin),
                                      confirmLastTry);
        } catch (const Error& error) {
          // Refused before the PIN was sent (last try, blocked): the card is as it was.
          if (error.code() == Errc::PinLastTry || error.code() == Errc::PinBlocked) throw;
          // Otherwise the PIN may be verified on the card by now -- whatever
          // failed after VERIFY (a bad signature, a mute card, a card that
          // cannot sign) -- so leave no usable state behind. A card reset
          // under an open session also ends that session.
          try {
            connection->resetCard();
          } catch (const Error&) {
            // The card left meanwhile, or the transport cannot reset: nothing to undo here.
          }
          if (replacedSession != 0) {
            std::lock_guard lock(mutex_);
            if (session_ && session_->id == replacedSession)
              endSessionLocked("pin-state-lost", false);
          }
          throw;
        }
        startSession(target, generation, *card.driver, practitioner, connection);
        const Session session = currentSession();
        done(nullptr, {{"practitioner", practitioner->identity},
                       {"reader", target},
                       {"algorithm", auth::jwsName(practitioner->algorithm)},
                       {"certificate",
                        {{"subject", practitioner->validation.subject},
                         {"issuer", practitioner->validation.issuer},
                         {"notAfter", practitioner->validation.notAfter},
                         {"revocationChecked", practitioner->validation.revocationChecked}}},
                       {"openedAt", isoTime(session.openedAt)},
                       {"idleTimeoutSeconds", authentication_.sessionIdleTimeout.count()}});
      },
      [done](std::exception_ptr error) { done(error, nullptr); });
}

void ReaderManager::startSession(const std::string& reader, std::uint64_t generation,
                                 const CardDriver& driver,
                                 std::shared_ptr<const ProvenPractitioner> practitioner,
                                 std::shared_ptr<CardConnection> connection) {
  std::lock_guard lock(mutex_);
  const ReaderState* state = findReader(reader);
  if (state == nullptr || !state->cardPresent || state->cardGeneration != generation) {
    throw Error(Errc::CardRemoved,
                "the practitioner card left '" + reader +
                    "' while the "
                    "session was being opened",
                "Insert the card again and open the session again.");
  }
  // One session at a time: a new one replaces the old, whose card forgets its PIN.
  if (session_) endSessionLocked("replaced", session_->reader != reader);
  Session session;
  session.id = nextSessionId_++;
  session.reader = reader;
  session.cardGeneration = generation;
  session.driver = &driver;
  session.practitioner = std::move(practitioner);
  session.connection = std::move(connection);
  session.openedAt = Clock::now();
  session.lastUsed = std::chrono::steady_clock::now();
  session_ = session;
  publish("practitioner.session.opened",
          {{"reader", reader}, {"idleTimeoutSeconds", authentication_.sessionIdleTimeout.count()}});
  sessionChanged_.notify_all();
}

ReaderManager::Session ReaderManager::currentSession() {
  std::lock_guard lock(mutex_);
  if (!session_) throw sessionRequired("no practitioner session is open");
  return *session_;
}

void ReaderManager::touchSession(std::uint64_t id) {
  std::lock_guard lock(mutex_);
  if (session_ && session_->id == id) {
    session_->lastUsed = std::chrono::steady_clock::now();
    sessionChanged_.notify_all();
  }
}

void ReaderManager::closePractitionerSession(api::JsonHandler done) {
  bool wasOpen = false;
  {
    std::lock_guard lock(mutex_);
    wasOpen = session_.has_value();
    if (wasOpen) endSessionLocked("closed", true);
  }
  done(nullptr, {{"closed", wasOpen}});
}

void ReaderManager::endSessionLocked(const std::string& reason, bool resetCard) {
  if (!session_) return;
  const std::string reader = session_->reader;
  std::shared_ptr<CardConnection> connection = std::move(session_->connection);
  session_.reset();
  sessionChanged_.notify_all();
  publish("practitioner.session.closed", {{"reader", reader}, {"reason", reason}});
  // On the reader's strand, after any job still using it: reset the card
  // (a card that left lost its PIN state with its power), then disconnect.
  workers_->post(reader, [connection = std::move(connection), resetCard]() mutable {
    try {
      if (resetCard) connection->resetCard();
    } catch (const Error&) {
      // The card left meanwhile: nothing left to reset.
    }
    connection.reset();
  });
}

void ReaderManager::sessionTimerLoop() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    if (!session_) {
      sessionChanged_.wait(lock);
      continue;
    }
    const auto deadline = session_->lastUsed + authentication_.sessionIdleTimeout;
    if (std::chrono::steady_clock::now() >= deadline) {
      endSessionLocked("idle-timeout", true);
      continue;
    }
    sessionChanged_.wait_until(lock, deadline);
  }
}

void ReaderManager::withSessionCard(const Session& session,
                                    std::function<void(CardConnection&, const Session&)> job,
                                    std::function<void(std::exception_ptr)> fail) {
  postCardJob(
      session.reader,
      [this, session, job] {
        {
          std::lock_guard lock(mutex_);
          if (!session_ || session_->id != session.id) {
            throw sessionRequired("the practitioner session closed");
          }
        }
        try {
          Transaction transaction(*session.connection);
          job(*session.connection, session);
        } catch (const Error& error) {
          if (error.code() == Errc::CardSignatureInvalid) {
            std::lock_guard lock(mutex_);
            if (session_ && session_->id == session.id) endSessionLocked("bad-signature", true);
            throw;
          }
          if (error.code() == Errc::PinRequired) {
            // Another program reset the card: its PIN state is gone.
            std::lock_guard lock(mutex_);
            if (session_ && session_->id == session.id) endSessionLocked("pin-state-lost", false);
            throw sessionRequired(
                "the practitioner card no longer holds the verified PIN "
                "(was it reset by another program?)");
          }
          throw;
        }
        touchSession(session.id);
      },
      std::move(fail));
}

void ReaderManager::authenticatePractitioner(std::string origin, std::string challengeNonce,
                                             api::JsonHandler done) {
  Session session;
  try {
    session = currentSession();
  } catch (const Error&) {
    done(std::current_exception(), nullptr);
    return;
  }
  withSessionCard(
      session,
      [this, origin, challengeNonce, done](CardConnection& card, const Session& current) {
        const ProvenPractitioner& practitioner = *current.practitioner;
        nlohmann::json token = auth::makeWebEidToken(
            practitioner.certificate, origin, challengeNonce, authentication_.appVersion,
            cardSigner(card, *current.driver, practitioner));
        done(nullptr, std::move(token));
      },
      [done](std::exception_ptr error) { done(error, nullptr); });
}

void ReaderManager::issueRecordAccess(api::RecordAccessRequest request,
                                      api::RecordAccessHandler done) {
  Session session;
  std::string patientReader;
  try {
    session = currentSession();
    if (!request.patient) {
      std::lock_guard lock(mutex_);
      patientReader = resolveReader(CardKind::Patient, request.patientReader);
    }
  } catch (const Error&) {
    done(std::current_exception(), {});
    return;
  }
  auto fail = [done](std::exception_ptr error) { done(error, {}); };
  // Second step, on the practitioner card's strand: sign.
  auto sign = [this, session, request, done, fail](PatientIdentifier patient,
                                                   std::string serialHash) {
    withSessionCard(
        session,
        [request, patient, serialHash, done](CardConnection& card, const Session& current) {
          const ProvenPractitioner& practitioner = *current.practitioner;
          nlohmann::json claims = recordAccessClaims(practitioner, patient, request, Clock::now());
          std::string assertion = auth::makeCompactJws(
              practitioner.certificate, claims, cardSigner(card, *current.driver, practitioner));
          done(nullptr, {std::move(assertion), std::move(claims), serialHash});
        },
        fail);
  };
  if (request.patient) {
    sign({"given", *request.patient, std::nullopt, {}}, "");
    return;
  }
  // First step, on the patient card's strand: who the patient is.
  postCardJob(
      patientReader,
      [this, patientReader, beneficiary = request.beneficiary, sign] {
        const CachedCard card = cache_.read(transport_, patientReader);
        const auto* model = std::get_if<PatientCard>(&card.model);
        if (model == nullptr) {
          throw Error(Errc::CardAbsent, "the card in '" + patientReader + "' is not a patient card",
                      "Insert the patient's carte Vitale or eGK, or give \"patient\".");
        }
        sign(patientIdentifierOf(*model, beneficiary), card.serialHash);
      },
      fail);
}

}  // namespace hcbridge::core
