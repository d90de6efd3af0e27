// The fixture of the practitioner session tests: the card service over the
// simulator with the real drivers, a recording transport between them that
// shows which APDUs went to the card and whether it was reset, and the
// session calls as the test's own application (kOwner) or another caller.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>

#include "hcbridge/api/model_json.hpp"
#include "hcbridge/auth/certificate_validator.hpp"
#include "hcbridge/auth/crypto.hpp"
#include "hcbridge/auth/tokens.hpp"
#include "hcbridge/auth/verifier.hpp"
#include "hcbridge/core/card_service.hpp"
#include "hcbridge/drivers.hpp"
#include "hcbridge/error.hpp"
#include "hcbridge/sim/profile.hpp"
#include "hcbridge/sim/sim_transport.hpp"
#include "hcbridge_test/eventually.hpp"
#include "hcbridge_test/gematik_images.hpp"

namespace hcbridge::core {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

const std::string kReader0 = "hcbridge simulated reader 0";
const std::string kReader1 = "hcbridge simulated reader 1";
// Valid by Web eID's rules (48 base64 characters) and an https origin.
const std::string kNonce = "c2VjcmV0LW5vbmNlLW9mLTMyLWJ5dGVzLWZvci10ZXN0cyE=";
const std::string kOrigin = "https://records.example.org";
// Who opens the sessions of these tests, and two who did not.
const api::SessionCaller kOwner{"origin https://app.example", 1000};
const api::SessionCaller kOtherOrigin{"origin https://other.example", 1000};
const api::SessionCaller kOtherUser{"origin https://app.example", 1001};
const std::string kAudience = "https://records.example.org/fhir";
constexpr std::uint8_t kVerify = 0x20;
constexpr std::uint8_t kInternalAuthenticate = 0x88;

[[maybe_unused]] std::filesystem::path pki(const std::string& name) {
  return std::filesystem::path(HCBRIDGE_PKI_DIR) / name;
}

[[maybe_unused]] Bytes readFile(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), {});
}

// The trust of tests/pki/fixtures/README.md: the CPS chain with its CRL, and
// the Vitale card CA under the patient-card root.
[[maybe_unused]] auth::TrustSettings practitionerTrust() {
  return {.trustAnchors = {pki("root.cert.pem")},
          .intermediates = {pki("intermediate.cert.pem")},
          .crls = {pki("intermediate.crl.pem")},
          .issuers = {pki("intermediate.cert.pem")}};
}
[[maybe_unused]] auth::TrustSettings patientCardTrust() {
  return {{pki("patient-root.cert.pem")}, {pki("vitale-ca.cert.pem")}, {}};
}

using hcbridge::testing::eventually;

// What went over the wire to the cards, per reader, and what a test wants
// to go wrong there.
class Wire {
 public:
  // Records the command and returns it as the card is to get it (a fault
  // may change it or throw).
  apdu::CommandApdu pass(const std::string& reader, apdu::CommandApdu command) {
    std::function<void(apdu::CommandApdu&)> fault;
    {
      std::lock_guard lock(mutex_);
      commands_.emplace_back(reader, command);
      fault = fault_;
    }
    if (fault) fault(command);
    return command;
  }
  void recordReset() {
    std::lock_guard lock(mutex_);
    ++resets_;
  }
  // Commands with that INS; withData: only those carrying data (a VERIFY
  // with a PIN, not the VERIFY without data that asks for the counter).
  int count(std::uint8_t ins, bool withData = false) const {
    std::lock_guard lock(mutex_);
    int n = 0;
    for (const auto& [reader, command] : commands_) {
      if (command.ins == ins && (!withData || !command.data.empty())) ++n;
    }
    return n;
  }
  int resets() const {
    std::lock_guard lock(mutex_);
    return resets_;
  }
  // Called before each command reaches the card; may throw.
  void setFault(std::function<void(apdu::CommandApdu&)> fault) {
    std::lock_guard lock(mutex_);
    fault_ = std::move(fault);
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::pair<std::string, apdu::CommandApdu>> commands_;
  int resets_ = 0;
  std::function<void(apdu::CommandApdu&)> fault_;
};

class RecordingConnection : public CardConnection {
 public:
  RecordingConnection(std::unique_ptr<CardConnection> inner, Wire& wire)
      : inner_(std::move(inner)), wire_(wire) {}
  const std::string& readerName() const override { return inner_->readerName(); }
  const Bytes& atr() const override { return inner_->atr(); }
  Protocol protocol() const override { return inner_->protocol(); }
  bool extendedLengthSupported() const override { return inner_->extendedLengthSupported(); }
  apdu::ResponseApdu transmit(const apdu::CommandApdu& command) override {
    return inner_->transmit(wire_.pass(readerName(), command));
  }
  // The drivers use transmit(); raw bytes are passed on unrecorded.
  Bytes transmitRaw(ByteView command) override { return inner_->transmitRaw(command); }
  void beginTransaction() override { inner_->beginTransaction(); }
  void endTransaction() noexcept override { inner_->endTransaction(); }
  void resetCard() override {
    wire_.recordReset();
    inner_->resetCard();
  }

 private:
  std::unique_ptr<CardConnection> inner_;
  Wire& wire_;
};

// Passes the simulator's events on, without card.removed once told so.
class FilteringWatcher : public ReaderWatcher {
 public:
  FilteringWatcher(std::unique_ptr<ReaderWatcher> inner, const std::atomic<bool>& dropRemovals)
      : inner_(std::move(inner)), dropRemovals_(dropRemovals) {}
  std::vector<ReaderInfo> snapshot() override { return inner_->snapshot(); }
  std::vector<ReaderEvent> next(std::optional<std::chrono::milliseconds> timeout) override {
    std::vector<ReaderEvent> events = inner_->next(timeout);
    if (dropRemovals_) {
      std::erase_if(events,
                    [](const ReaderEvent& e) { return e.kind == ReaderEventKind::CardRemoved; });
    }
    return events;
  }
  void cancel() override { inner_->cancel(); }

 private:
  std::unique_ptr<ReaderWatcher> inner_;
  const std::atomic<bool>& dropRemovals_;
};

class RecordingTransport : public Transport {
 public:
  RecordingTransport(sim::SimTransport& inner, Wire& wire) : inner_(inner), wire_(wire) {}
  std::vector<ReaderInfo> listReaders() override { return inner_.listReaders(); }
  std::unique_ptr<CardConnection> connect(const std::string& reader, ShareMode mode) override {
    return std::make_unique<RecordingConnection>(inner_.connect(reader, mode), wire_);
  }
  std::unique_ptr<ReaderWatcher> watch() override {
    return std::make_unique<FilteringWatcher>(inner_.watch(), dropRemovals_);
  }
  // From now on the watcher reports no card.removed: a reader unplugged
  // with its card then shows as reader.removed alone.
  void dropCardRemovals() { dropRemovals_ = true; }

 private:
  sim::SimTransport& inner_;
  Wire& wire_;
  std::atomic<bool> dropRemovals_{false};
};

// Events as "type reader [reason]" lines.
class EventLog {
 public:
  std::function<void(const api::ServiceEvent&)> listener() {
    return [this](const api::ServiceEvent& event) {
      const nlohmann::json data = api::toJson(event)["data"];
      std::string line(api::eventTypeName(event.type));
      if (data.contains("reader")) line += " " + data["reader"].get<std::string>();
      if (data.contains("reason")) line += " " + data["reason"].get<std::string>();
      std::lock_guard lock(mutex_);
      lines_.push_back(line);
    };
  }
  bool contains(const std::string& line) const {
    std::lock_guard lock(mutex_);
    return std::find(lines_.begin(), lines_.end(), line) != lines_.end();
  }
  bool waitFor(const std::string& line) {
    return eventually([&] { return contains(line); });
  }
  int countOf(const std::string& prefix) const {
    std::lock_guard lock(mutex_);
    return static_cast<int>(std::count_if(lines_.begin(), lines_.end(), [&](const auto& line) {
      return line.rfind(prefix, 0) == 0;
    }));
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> lines_;
};

// The completion of one backend call.
template <typename Result>
struct Outcome {
  std::exception_ptr error;
  Result result{};

  // "ok" or the error's id, e.g. "pin-incorrect".
  std::string id() const {
    if (!error) return "ok";
    try {
      std::rethrow_exception(error);
    } catch (const Error& e) {
      return std::string(e.id()) + " (" + e.what() + ")";
    } catch (const std::exception& e) {
      return std::string("not an hcbridge::Error: ") + e.what();
    }
  }
  std::string code() const {
    const std::string full = id();
    return full.substr(0, full.find(' '));
  }
  int retriesLeft() const {
    try {
      if (error) std::rethrow_exception(error);
    } catch (const PinError& e) {
      return e.retriesLeft();
    } catch (...) {
    }
    return -1;
  }
};
using JsonOutcome = Outcome<json>;
using RecordOutcome = Outcome<api::RecordAccessIssued>;
using ReadOutcome = Outcome<api::CardRead>;

// Waits for the handler; a call that never completes fails the test instead of hanging it.
template <typename Result>
Outcome<Result> await(std::future<Outcome<Result>> future) {
  if (future.wait_for(20s) != std::future_status::ready) {
    ADD_FAILURE() << "the backend call did not complete";
    return {std::make_exception_ptr(Error(Errc::Timeout, "no completion")), {}};
  }
  return future.get();
}

class PractitionerSessionTest : public ::testing::Test {
 protected:
  PractitionerSessionTest()
      : registry_(makeDefaultRegistry()),
        hasher_(SecretBytes(std::string(32, 'k'))),
        transport_(sim_, wire_) {
    drivers::registerSimProfiles();
  }
  ~PractitionerSessionTest() override {
    subscription_.reset();
    manager_.reset();
  }

  static AuthenticationSettings trusted() {
    AuthenticationSettings settings;
    settings.practitionerTrust = auth::CertificateValidator(practitionerTrust());
    settings.pinRetryDelays = {};  // the tests of the PIN guard set their own
    settings.cardAbsentAccess = AuthenticationSettings::CardAbsentAccess::Session;
    return settings;
  }

  std::shared_ptr<sim::Card> insert(std::size_t slot, const std::string& profile) {
    auto card = std::make_shared<sim::Card>(sim::loadProfile(profile));
    sim_.insertCard(slot, card);
    return card;
  }

  CardService& start(AuthenticationSettings settings = trusted()) {
    manager_ = std::make_unique<CardService>(transport_, registry_, hasher_, "simulated", "9.9",
                                             std::move(settings));
    subscription_ = manager_->subscribe(events_.listener());
    return *manager_;
  }

  bool waitForType(const std::string& reader, const std::string& type) {
    return eventually([&] {
      for (const auto& view : manager_->readers()) {
        if (view.name == reader) return view.cardType == type;
      }
      return false;
    });
  }

  // A CPS in reader 0 and a started manager that has identified it.
  std::shared_ptr<sim::Card> startWithCard(const std::string& profile,
                                           AuthenticationSettings settings = trusted()) {
    auto card = insert(0, profile);
    start(std::move(settings));
    EXPECT_TRUE(waitForType(kReader0, "cps"));
    return card;
  }

  // Opens as `caller` (default: the test's own application); a success
  // keeps the session token for the calls that follow.
  JsonOutcome open(const std::string& pin, bool confirmLastTry = false,
                   std::optional<api::SessionCaller> caller = std::nullopt) {
    auto promise = std::make_shared<std::promise<JsonOutcome>>();
    api::SessionOpenRequest request;
    request.caller = caller.value_or(kOwner);
    request.pin = SecretBytes(pin);
    request.confirmLastTry = confirmLastTry;
    manager_->openPractitionerSession(std::move(request),
                                      [promise](std::exception_ptr e, api::SessionOpened r) {
                                        promise->set_value({e, e ? json() : api::toJson(r)});
                                      });
    JsonOutcome outcome = await(promise->get_future());
    if (!outcome.error) token_ = outcome.result.value("sessionToken", "");
    return outcome;
  }
  // The opener's claim: its caller and the token it was given.
  api::SessionClaim ownClaim() const { return {kOwner, token_}; }
  JsonOutcome close(std::optional<api::SessionClaim> claim = std::nullopt) {
    auto promise = std::make_shared<std::promise<JsonOutcome>>();
    manager_->closePractitionerSession(
        claim.value_or(ownClaim()), [promise](std::exception_ptr e, bool wasOpen) {
          promise->set_value({e, e ? json() : json({{"closed", wasOpen}})});
        });
    return await(promise->get_future());
  }
  JsonOutcome authenticate(const std::string& origin = kOrigin, const std::string& nonce = kNonce,
                           std::optional<api::SessionClaim> claim = std::nullopt) {
    auto promise = std::make_shared<std::promise<JsonOutcome>>();
    manager_->authenticatePractitioner(claim.value_or(ownClaim()), origin, nonce,
                                       [promise](std::exception_ptr e, json r) {
                                         promise->set_value({e, std::move(r)});
                                       });
    return await(promise->get_future());
  }
  // For a patient named by the caller (no card), with the PIN when given.
  static api::RecordAccessRequest forGivenPatient(std::optional<std::string> pin = std::nullopt) {
    api::RecordAccessRequest request = recordRequest();
    request.patient = "1850375123456";
    if (pin) request.pin = SecretBytes(*pin);
    return request;
  }
  static api::RecordAccessRequest recordRequest() {
    api::RecordAccessRequest request;
    request.audience = kAudience;
    request.nonce = kNonce;
    request.purpose = "normal";
    request.origin = kOrigin;
    return request;
  }
  // cps-demo in reader 0 with its session open, vitale-family in reader 1, read.
  ReadOutcome openSessionAndReadFamilyCard() {
    startWithCard("cps-demo");
    insert(1, "vitale-family");
    const auto setUpFailed = [](const std::string& why) {
      return ReadOutcome{std::make_exception_ptr(std::runtime_error(why))};
    };
    if (!waitForType(kReader1, "vitale")) return setUpFailed("vitale-family not seen");
    if (const std::string opened = open("1234").id(); opened != "ok") return setUpFailed(opened);
    return readPatient();
  }
  RecordOutcome recordAccess(api::RecordAccessRequest request = recordRequest(),
                             std::optional<api::SessionClaim> claim = std::nullopt) {
    request.session = claim.value_or(ownClaim());
    auto promise = std::make_shared<std::promise<RecordOutcome>>();
    manager_->issueRecordAccess(std::move(request),
                                [promise](std::exception_ptr e, api::RecordAccessIssued r) {
                                  promise->set_value({e, std::move(r)});
                                });
    return await(promise->get_future());
  }
  ReadOutcome readPatient() {
    auto promise = std::make_shared<std::promise<ReadOutcome>>();
    manager_->readPatientCard(std::nullopt, [promise](std::exception_ptr e, api::CardRead r) {
      promise->set_value({e, std::move(r)});
    });
    return await(promise->get_future());
  }

  // A connection of our own to the card in reader 0, once the session's
  // exclusive one is gone, and the driver for it.
  std::unique_ptr<CardConnection> ownConnection() {
    std::unique_ptr<CardConnection> connection;
    EXPECT_TRUE(eventually([&] {
      try {
        connection = sim_.connect(kReader0, ShareMode::Shared);
        return true;
      } catch (const Error&) {
        return false;  // reader-busy until the manager let go of the card
      }
    }));
    return connection;
  }
  PinStatus pinStatusNow() {
    auto connection = ownConnection();
    if (!connection) return {};
    Transaction transaction(*connection);
    return registry_.identify(*connection).pinStatus(*connection);
  }

  DriverRegistry registry_;
  SerialHasher hasher_;
  sim::SimTransport sim_;
  Wire wire_;
  RecordingTransport transport_;
  EventLog events_;
  std::unique_ptr<CardService> manager_;
  std::string token_;  // the last session opened by the test's own application
  std::unique_ptr<api::Subscription> subscription_;
};

}  // namespace
}  // namespace hcbridge::core
