#include "hcbridge/core/card_service.hpp"

#include "event_channel.hpp"
#include "hcbridge/error.hpp"
#include "patient_authenticity.hpp"
#include "pkcs11_practitioners.hpp"
#include "practitioner_session.hpp"
#include "reader_monitor.hpp"
#include "record_access.hpp"

namespace hcbridge::core {

CardService::CardService(Transport& transport, const DriverRegistry& registry,
                         const SerialHasher& hasher, std::string transportLabel,
                         std::string version, AuthenticationSettings authentication)
    : registry_(registry),
      transportLabel_(std::move(transportLabel)),
      version_(std::move(version)),
      authentication_(std::move(authentication)),
      events_(std::make_unique<EventChannel>()),
      readers_(std::make_unique<ReaderMonitor>(transport, registry, hasher, *events_)),
      pkcs11_(authentication_.pkcs11 ? std::make_unique<Pkcs11Practitioners>(
                                           *authentication_.pkcs11, *readers_, *events_, hasher)
                                     : nullptr),
      // Before the monitor starts: the session hears of every card that leaves.
      session_(std::make_unique<PractitionerSession>(
          pkcs11_ ? static_cast<SessionCards&>(*pkcs11_) : *readers_, *events_, authentication_)) {
  readers_->start();
}

CardService::~CardService() {
  stop();
}

void CardService::stop() {
  std::lock_guard lock(stopMutex_);
  if (stopped_) return;
  stopped_ = true;
  readers_->stopWatching();
  session_->stop();
  // Last: queued jobs may still use the session, which lives until the destructor ends.
  if (pkcs11_) pkcs11_->stop();
  readers_->stopWorkers();
}

api::ServiceStatus CardService::status() const {
  return {version_, transportLabel_, readers_->transportUp(), readers_->readerCount()};
}

std::vector<api::ReaderView> CardService::readers() const {
  return readers_->readers();
}

void CardService::readPatientCard(std::optional<std::string> reader, api::CardReadHandler done) {
  readCard(CardKind::Patient, std::move(reader), std::move(done));
}

void CardService::readPractitionerCard(std::optional<std::string> reader,
                                       api::CardReadHandler done) {
  readCard(CardKind::Practitioner, std::move(reader), std::move(done));
}

void CardService::readCard(CardKind kind, std::optional<std::string> reader,
                           api::CardReadHandler done) {
  // A card the cache keeps (with its proven authenticity, for a patient card)
  // is answered here, on the caller's thread: no APDU, so no need to queue
  // behind the card's strand. The hops to and from that strand were most of
  // a cached read's time (docs/performance.md, issue 17).
  if (auto cached = readers_->cachedCard(kind, reader)) {
    auto& [target, card] = *cached;
    api::CardRead result{std::move(card.model), std::nullopt, target, std::move(card.serialHash)};
    bool complete = true;
    if (kind == CardKind::Patient) {
      std::uint64_t generation = 0;
      result.authenticity = readers_->rememberedAuthenticity(target, generation);
      complete = result.authenticity.has_value();
    }
    if (complete) return done(nullptr, std::move(result));
  }
  readers_->withCard(
      kind, std::move(reader),
      [this, kind, done](const std::string& target, const CachedCard& card) {
        api::CardRead result{card.model, std::nullopt, target, card.serialHash};
        if (kind == CardKind::Patient) result.authenticity = patientAuthenticity(target, card);
        done(nullptr, std::move(result));
      },
      [done](std::exception_ptr error) { done(error, {}); });
}

// Once per insertion: the proof costs a few APDUs and a signature.
api::PatientAuthenticity CardService::patientAuthenticity(const std::string& reader,
                                                          const CachedCard& card) {
  std::uint64_t generation = 0;
  if (auto remembered = readers_->rememberedAuthenticity(reader, generation)) return *remembered;
  auto connection = readers_->connect(reader, ShareMode::Shared);
  api::PatientAuthenticity result =
      checkPatientCardAuthenticity(*connection, *card.driver, authentication_.patientCardTrust,
                                   authentication_.verificationTime());
  readers_->rememberAuthenticity(reader, generation, result);
  return result;
}

std::optional<std::string> CardService::practitionerSession() const {
  return session_->label();
}

std::string CardService::claimPractitionerSession(const api::SessionClaim& claim) const {
  return session_->claimLabel(claim);
}

void CardService::openPractitionerSession(api::SessionOpenRequest request,
                                          api::SessionOpenHandler done) {
  session_->open(std::move(request), std::move(done));
}

void CardService::closePractitionerSession(api::SessionClaim claim, api::SessionCloseHandler done) {
  session_->close(std::move(claim), std::move(done));
}

void CardService::authenticatePractitioner(api::SessionClaim claim, std::string origin,
                                           std::string challengeNonce,
                                           api::WebEidTokenHandler done) {
  session_->authenticate(std::move(claim), std::move(origin), std::move(challengeNonce),
                         std::move(done));
}

void CardService::issueRecordAccess(api::RecordAccessRequest request,
                                    api::RecordAccessHandler done) {
  std::uint64_t sessionId = 0;
  try {
    sessionId = session_->requireOpen(request.session);
    if (request.patient) checkCardAbsentAccess(request);
  } catch (const Error&) {
    done(std::current_exception(), {});
    return;
  }
  if (request.pin && !request.patient) {
    done(std::make_exception_ptr(
             Error(Errc::BadRequest, "a 'pin' is sent only with 'patient' (no patient card)",
                   "With the patient's card in a reader the open session suffices: leave 'pin' "
                   "out.")),
         {});
    return;
  }
  if (request.patient) {
    PatientIdentifier given{"given", *request.patient, std::nullopt, {}};
    session_->signRecordAccess(sessionId, std::move(request), std::move(given), "",
                               std::move(done));
    return;
  }
  // First, on the patient card's strand: who the patient is; then, on the
  // practitioner card's strand: sign.
  std::string patientReader;
  try {
    patientReader = readers_->resolveReader(CardKind::Patient, request.patientReader);
  } catch (const Error&) {
    done(std::current_exception(), {});
    return;
  }
  auto shared = std::make_shared<api::RecordAccessRequest>(std::move(request));
  readers_->post(
      patientReader,
      [this, sessionId, patientReader, shared, done] {
        const CachedCard card = readers_->readCard(patientReader);
        const auto* model = std::get_if<PatientCard>(card.model.get());
        if (model == nullptr) {
          throw Error(Errc::CardAbsent, "the card in '" + patientReader + "' is not a patient card",
                      "Insert the patient's " + registry_.cardNames(CardKind::Patient) +
                          ", or give \"patient\".");
        }
        PatientIdentifier patient = patientIdentifierOf(*model, shared->beneficiary);
        session_->signRecordAccess(sessionId, std::move(*shared), std::move(patient),
                                   card.serialHash, done);
      },
      [done](std::exception_ptr error) { done(error, {}); });
}

// card_absent_access: what a record access for a patient named by the
// caller (no card in a reader) needs besides the open session.
void CardService::checkCardAbsentAccess(const api::RecordAccessRequest& request) const {
  using Mode = AuthenticationSettings::CardAbsentAccess;
  switch (authentication_.cardAbsentAccess) {
    case Mode::Session:
      return;
    case Mode::Deny:
      throw Error(Errc::PatientCardRequired,
                  "this workstation issues record access only with the patient's card in a reader",
                  "Insert the patient's " + registry_.cardNames(CardKind::Patient) +
                      "; an administrator sets \"card_absent_access\" in the service "
                      "configuration.");
    case Mode::Pin:
      if (!request.pin) {
        throw Error(Errc::PinRequired,
                    "a record access without the patient's card needs the practitioner's PIN",
                    "Send the PIN in the field 'pin' with this request (card_absent_access "
                    "\"pin\"), or insert the patient's card.");
      }
      return;
  }
}

std::unique_ptr<api::Subscription> CardService::subscribe(
    std::function<void(const api::ServiceEvent&)> listener) {
  return events_->subscribe(std::move(listener));
}

}  // namespace hcbridge::core
