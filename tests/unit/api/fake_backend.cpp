#include "fake_backend.hpp"

#include "hcbridge/error.hpp"

namespace hcbridge::api::testing {

namespace {

// Canary values: tests assert they never reach a log or an audit line.
PatientCard canaryPatientCard() {
  PatientCard card;
  card.cardType = "vitale";
  card.cardSerial = "CANARY-SERIAL-0042";
  Person holder;
  holder.surname = "CANARYSURNAME";
  holder.givenNames = "Zoe";
  holder.nir = NirInfo{"2990399999999", true};
  card.beneficiaries.push_back(holder);
  card.insurer.name = "CPAM Test";
  card.insurer.code = "01 751 0000";
  card.coverageStart = "2024-01-01";
  card.coverageEnd = "2026-12-31";
  return card;
}

PractitionerCard canaryPractitionerCard() {
  PractitionerCard card;
  card.cardType = "cps";
  card.surname = "DOC";
  card.givenNames = "Ada";
  return card;
}

}  // namespace

FakeBackend::FakeBackend()
    : statusValue{"0.1.0", "simulated", true, 2},
      readerList({{"Reader A", true, "vitale"}, {"Reader B", false, ""}}),
      patientCard(canaryPatientCard()),
      practitionerCard(canaryPractitionerCard()) {}

FakeBackend::~FakeBackend() {
  for (auto& thread : threads_) thread.join();
}

class FakeBackend::FakeSubscription : public Subscription {
 public:
  FakeSubscription(FakeBackend& backend, int id) : backend_(backend), id_(id) {}
  ~FakeSubscription() override {
    std::lock_guard lock(backend_.mutex_);
    std::erase_if(backend_.listeners_, [this](const auto& entry) { return entry.first == id_; });
  }

 private:
  FakeBackend& backend_;
  int id_;
};

void FakeBackend::readPatientCard(std::optional<std::string> reader, CardReadHandler done) {
  complete(patientCard, std::move(reader), std::move(done));
}

void FakeBackend::readPractitionerCard(std::optional<std::string> reader, CardReadHandler done) {
  complete(practitionerCard, std::move(reader), std::move(done));
}

std::string FakeBackend::claimPractitionerSession(const SessionClaim& claim) const {
  claims.push_back(claim);
  if (!session) throw Error(Errc::SessionRequired, "no practitioner session is open");
  if (!sessionToken.empty() &&
      (claim.token != sessionToken || (sessionOwner && !sameCaller(claim.caller, *sessionOwner)))) {
    throw Error(Errc::SessionNotYours, "the session is another caller's");
  }
  return *session;
}

void FakeBackend::openPractitionerSession(SessionOpenRequest request, SessionOpenHandler done) {
  lastOpener = request.caller;
  lastPinLength = request.pin.size();
  const ByteView pin = request.pin.view();
  lastPinWasExpected = std::string(pin.begin(), pin.end()) == expectedPin;
  lastConfirmLastTry = request.confirmLastTry;
  if (sessionError) return done(sessionError, {});
  SessionOpened opened;
  opened.practitioner.surname = "TEST";
  opened.reader = "R1";
  opened.sessionToken = sessionToken;
  done(nullptr, std::move(opened));
}

void FakeBackend::closePractitionerSession(SessionClaim claim, SessionCloseHandler done) {
  if (sessionError) return done(sessionError, false);
  if (session) {
    try {
      claimPractitionerSession(claim);
    } catch (const Error&) {
      return done(std::current_exception(), false);
    }
  }
  done(nullptr, session.has_value());
}

void FakeBackend::authenticatePractitioner(SessionClaim claim, std::string origin,
                                           std::string challengeNonce, WebEidTokenHandler done) {
  lastOrigin = std::move(origin);
  lastNonce = std::move(challengeNonce);
  if (sessionError) return done(sessionError, nullptr);
  try {
    claimPractitionerSession(claim);
  } catch (const Error&) {
    return done(std::current_exception(), nullptr);
  }
  done(nullptr, {{"format", "web-eid:1.0"}, {"algorithm", "RS256"}});
}

void FakeBackend::issueRecordAccess(RecordAccessRequest request, RecordAccessHandler done) {
  lastRecordAccessPinLength = request.pin ? request.pin->size() : 0;
  request.pin.reset();
  const SessionClaim claim = request.session;
  lastRecordAccess = std::move(request);
  if (sessionError) return done(sessionError, {});
  try {
    claimPractitionerSession(claim);
  } catch (const Error&) {
    return done(std::current_exception(), {});
  }
  done(nullptr, {"a.b.c", {{"jti", "J1"}, {"patient", {{"idType", "given"}}}}, serialHash});
}

void FakeBackend::complete(CardModel card, std::optional<std::string> reader,
                           CardReadHandler done) {
  ++cardReads;
  {
    std::lock_guard lock(mutex_);
    requestedReaders_.push_back(reader);
  }
  CardRead result{std::make_shared<const CardModel>(std::move(card)), std::nullopt,
                  reader.value_or("Reader A"), serialHash};
  if (whileReading) whileReading();
  if (readDelay.count() == 0) {
    done(readError, std::move(result));
    return;
  }
  std::lock_guard lock(mutex_);
  threads_.emplace_back([delay = readDelay, error = readError, result = std::move(result),
                         done = std::move(done)]() mutable {
    std::this_thread::sleep_for(delay);
    done(error, std::move(result));
  });
}

std::unique_ptr<Subscription> FakeBackend::subscribe(
    std::function<void(const ServiceEvent&)> listener) {
  std::lock_guard lock(mutex_);
  // The current state first, as the real reader manager does.
  for (const auto& reader : readerList) {
    listener(ServiceEvent::ofReader(ServiceEvent::Type::ReaderAdded, reader.name));
    if (reader.cardPresent) listener(ServiceEvent::cardInserted(reader.name, reader.cardType));
  }
  const int id = nextListenerId_++;
  listeners_.emplace_back(id, std::move(listener));
  return std::make_unique<FakeSubscription>(*this, id);
}

void FakeBackend::publish(const ServiceEvent& event) {
  std::lock_guard lock(mutex_);
  for (const auto& [id, listener] : listeners_) listener(event);
}

std::size_t FakeBackend::subscriberCount() const {
  std::lock_guard lock(mutex_);
  return listeners_.size();
}

std::vector<std::optional<std::string>> FakeBackend::requestedReaders() const {
  std::lock_guard lock(mutex_);
  return requestedReaders_;
}

}  // namespace hcbridge::api::testing
