// The v1 endpoints over a Backend: status, readers, patient and
// practitioner cards, the practitioner session, tokens and record-access
// assertions, the OpenAPI document, plus not-found and method-not-allowed.
// Requests reach it only after policy admission.
#pragma once

#include <cstddef>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "hcbridge/api/backend.hpp"
#include "hcbridge/api/http_types.hpp"
#include "hcbridge/api/policy.hpp"
#include "hcbridge/audit_access.hpp"

namespace hcbridge::api {

struct BodyWithPin;  // a request body with its PIN taken out (src/api/pin_field.hpp)
class RenderedReads;  // card reads' JSON, kept (src/api/rendered_reads.hpp)

// One line of the audit log: who read what, never the values.
struct AuditEntry {
  std::string action;  // "patient-card.read"
  std::string caller;  // Caller::identity()
  std::optional<std::string> practitioner;
  std::string cardSerialHash;                  // empty when no card was read
  std::vector<std::string> fields;             // top-level field names returned
  std::string outcome;                         // "ok" or the problem id
  std::map<std::string, std::string> details;  // e.g. audience, purpose, jti
};
// Told once whether the entry's line is durable: nullptr, or why it is not.
using AuditWritten = std::function<void(std::exception_ptr failure)>;

// Where audit entries go. Asynchronous: the sink calls `written` once the
// line is durable or failed, on any thread (the daemon's log does group
// commit), or throws without calling it. A synchronous sink (tests) writes
// before it returns and throws when it cannot.
class AuditSink {
 public:
  using Async = std::function<void(const AuditEntry&, AuditWritten written)>;
  using Sync = std::function<void(const AuditEntry&)>;

  AuditSink() = default;
  AuditSink(std::nullptr_t) noexcept {}  // no audit log
  template <typename Sink>
  requires(!std::is_same_v<std::remove_cvref_t<Sink>, AuditSink> &&
           std::is_invocable_v<Sink&, const AuditEntry&, AuditWritten>) AuditSink(Sink sink)
      : async_(std::move(sink)) {}
  template <typename Sink>
  requires(!std::is_same_v<std::remove_cvref_t<Sink>, AuditSink> &&
           std::is_invocable_v<Sink&, const AuditEntry&>) AuditSink(Sink sink)
      : async_(fromSync(std::move(sink))) {}

  explicit operator bool() const noexcept { return static_cast<bool>(async_); }
  void operator()(const AuditEntry& entry, AuditWritten written) const {
    async_(entry, std::move(written));
  }

 private:
  static Async fromSync(Sync sink);
  Async async_;
};

// The patient's view: the audit log's lines about one card (by its serial
// hash), oldest first. Empty function: the view is not offered.
using AccessHistory = std::function<std::vector<AuditAccess>(const std::string& cardSerialHash)>;

// Called once, possibly on a backend thread.
using ResponseHandler = std::function<void(Response)>;

// Writes the audit line, then answers once it is durable; a line that cannot
// be written turns the answer into a 500 without data. The sink is captured
// by value: a backend may answer after the router is gone.
void answerAudited(const AuditSink& audit, const AuditEntry& entry, Response response,
                   const ResponseHandler& done);

// The header that carries the practitioner session's token.
inline constexpr std::string_view kSessionHeader = "HCBridge-Session";

// The caller's claim on the practitioner session: who asks and the token it sent.
SessionClaim sessionClaim(const Request& request, const Caller& caller);

// The OpenAPI 3.1 document served at /v1/openapi.json (embedded at build time).
std::string_view openApiDocument();

class Router {
 public:
  // Takes from the policy: requirePractitionerSession, limits, appOrigins.
  Router(Backend& backend, const Policy& policy, AuditSink audit, AccessHistory history = {});

  void route(const Request& request, const Caller& caller, ResponseHandler done);
  // How many card bodies are kept (for tests: none of a card that left).
  std::size_t keptCardBodies() const;

 private:
  void patientCard(const Request& request, const Caller& caller, ResponseHandler done);
  void practitionerCard(const Request& request, ResponseHandler done);
  // The backend's patient-card read; a synchronous throw arrives as a failure.
  void readPatientCard(std::optional<std::string> reader, CardReadHandler done);
  // GET /v1/patient-card/accesses: who accessed this card's data here.
  void patientCardAccesses(const Request& request, const Caller& caller, ResponseHandler done);
  // session_routes.cpp
  void openSession(BodyWithPin& body, const Caller& caller, ResponseHandler done);
  void closeSession(SessionClaim claim, const Caller& caller, ResponseHandler done);
  void authenticate(const nlohmann::json& body, SessionClaim claim, const Caller& caller,
                    ResponseHandler done);
  void recordAccess(BodyWithPin& body, SessionClaim claim, const Caller& caller,
                    ResponseHandler done);
  // The origin a token is bound to: the browser's Origin, or the native
  // application's configured one. Throws Error(OriginInvalid).
  std::string tokenOrigin(const Caller& caller) const;

  // GET /v1/readers, the most polled endpoint: its body is made again only
  // when the readers changed (building the JSON was most of its cost).
  std::string readersBody(std::vector<ReaderView> readers);

  Backend& backend_;
  std::mutex readersCacheMutex_;
  std::vector<ReaderView> cachedReaders_;
  std::string cachedReadersBody_;
  bool requirePractitionerSession_;
  Limits limits_;
  std::map<std::string, std::string> appOrigins_;
  AuditSink audit_;
  AccessHistory history_;
  // Card reads' JSON, kept while the same card is read again (rendered_reads.hpp);
  // shared with reads still in flight.
  std::shared_ptr<RenderedReads> rendered_;
  // Card events drop the kept bodies of a card that left (last: unsubscribes first).
  std::unique_ptr<Subscription> cardEvents_;
};

}  // namespace hcbridge::api
