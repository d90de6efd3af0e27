// The service behind the API's Backend interface: a thin object joining the
// reader monitor (readers, cards, events; src/core/reader_monitor.hpp) and
// the practitioner session (src/core/practitioner_session.hpp). The caller's
// threads (the network) never wait for a card: card work runs on one strand
// per reader.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "hcbridge/api/backend.hpp"
#include "hcbridge/card_driver.hpp"
#include "hcbridge/core/authentication_settings.hpp"
#include "hcbridge/core/serial_hasher.hpp"
#include "hcbridge/transport.hpp"

namespace hcbridge::core {

class EventChannel;
class ReaderMonitor;
class PractitionerSession;
class Pkcs11Practitioners;
struct CachedCard;

class CardService : public api::Backend {
 public:
  // Starts watching at once. transportLabel: "pcsc" or "simulated" (for
  // status()). All references must outlive the service.
  CardService(Transport& transport, const DriverRegistry& registry, const SerialHasher& hasher,
              std::string transportLabel, std::string version,
              AuthenticationSettings authentication = {});
  ~CardService() override;
  CardService(const CardService&) = delete;
  CardService& operator=(const CardService&) = delete;

  api::ServiceStatus status() const override;
  std::vector<api::ReaderView> readers() const override;
  void readPatientCard(std::optional<std::string> reader, api::CardReadHandler done) override;
  void readPractitionerCard(std::optional<std::string> reader, api::CardReadHandler done) override;
  std::optional<std::string> practitionerSession() const override;
  std::string claimPractitionerSession(const api::SessionClaim& claim) const override;
  void openPractitionerSession(api::SessionOpenRequest request,
                               api::SessionOpenHandler done) override;
  void closePractitionerSession(api::SessionClaim claim, api::SessionCloseHandler done) override;
  void authenticatePractitioner(api::SessionClaim claim, std::string origin,
                                std::string challengeNonce, api::WebEidTokenHandler done) override;
  void issueRecordAccess(api::RecordAccessRequest request, api::RecordAccessHandler done) override;
  std::unique_ptr<api::Subscription> subscribe(
      std::function<void(const api::ServiceEvent&)> listener) override;

  // Stops the watcher, finishes the queued card work (each handler is still
  // called once) and joins every thread. Later reads fail at once. Idempotent.
  void stop();

 private:
  void readCard(CardKind kind, std::optional<std::string> reader, api::CardReadHandler done);
  api::PatientAuthenticity patientAuthenticity(const std::string& reader, const CachedCard& card);
  // Throws patient-card-required or pin-required as card_absent_access says.
  void checkCardAbsentAccess(const api::RecordAccessRequest& request) const;

  const DriverRegistry& registry_;
  const std::string transportLabel_;
  const std::string version_;
  const AuthenticationSettings authentication_;
  std::unique_ptr<EventChannel> events_;
  std::unique_ptr<ReaderMonitor> readers_;
  std::unique_ptr<Pkcs11Practitioners> pkcs11_;  // practitioner_pkcs11 configured
  std::unique_ptr<PractitionerSession> session_;
  std::mutex stopMutex_;
  bool stopped_ = false;
};

}  // namespace hcbridge::core
