// A Backend for API tests: canned status, readers and cards; card reads
// complete synchronously or, with a delay, on their own thread (like the
// reader manager); events are pushed by the test with publish().
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "hcbridge/api/backend.hpp"

namespace hcbridge::api::testing {

class FakeBackend : public Backend {
 public:
  FakeBackend();
  ~FakeBackend() override;

  ServiceStatus status() const override { return statusValue; }
  std::vector<ReaderView> readers() const override { return readerList; }
  void readPatientCard(std::optional<std::string> reader, CardReadHandler done) override;
  void readPractitionerCard(std::optional<std::string> reader, CardReadHandler done) override;
  std::optional<std::string> practitionerSession() const override { return session; }
  // Refuses as the service does when sessionToken is set: a claim needs that
  // token and (when sessionOwner is set) that caller. Records every claim.
  std::string claimPractitionerSession(const SessionClaim& claim) const override;
  // Synchronous; fail with sessionError when set.
  void openPractitionerSession(SessionOpenRequest request, SessionOpenHandler done) override;
  void closePractitionerSession(SessionClaim claim, SessionCloseHandler done) override;
  void authenticatePractitioner(SessionClaim claim, std::string origin, std::string challengeNonce,
                                WebEidTokenHandler done) override;
  void issueRecordAccess(RecordAccessRequest request, RecordAccessHandler done) override;
  std::unique_ptr<Subscription> subscribe(
      std::function<void(const ServiceEvent&)> listener) override;

  void publish(const ServiceEvent& event);
  std::size_t subscriberCount() const;
  std::vector<std::optional<std::string>> requestedReaders() const;

  ServiceStatus statusValue;
  std::vector<ReaderView> readerList;
  PatientCard patientCard;
  PractitionerCard practitionerCard;
  std::string serialHash = "c0ffee-serial-hash";
  std::optional<std::string> session = std::string("Dr Test");
  std::string sessionToken;                   // empty: any claim is the opener's
  std::optional<SessionCaller> sessionOwner;  // set: only this caller's claims are
  mutable std::vector<SessionClaim> claims;   // every claim checked, in order
  std::optional<SessionCaller> lastOpener;
  std::exception_ptr readError;
  std::chrono::milliseconds readDelay{0};  // > 0: complete on another thread after it
  std::function<void()> whileReading;      // set: runs once the card is read, before the answer
  std::atomic<int> cardReads{0};
  std::exception_ptr sessionError;
  // What the session calls received (the PIN only as its length and digits check).
  std::size_t lastPinLength = 0;
  bool lastPinWasExpected = false;  // equal to expectedPin
  std::string expectedPin = "1234";
  bool lastConfirmLastTry = false;
  std::string lastOrigin;
  std::string lastNonce;
  std::optional<RecordAccessRequest> lastRecordAccess;  // without its PIN
  std::size_t lastRecordAccessPinLength = 0;            // 0: no PIN was sent

 private:
  class FakeSubscription;
  void complete(CardModel card, std::optional<std::string> reader, CardReadHandler done);

  mutable std::mutex mutex_;
  std::vector<std::thread> threads_;
  std::vector<std::optional<std::string>> requestedReaders_;
  std::vector<std::pair<int, std::function<void(const ServiceEvent&)>>> listeners_;
  int nextListenerId_ = 0;
};

}  // namespace hcbridge::api::testing
