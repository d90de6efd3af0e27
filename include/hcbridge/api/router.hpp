// The v1 endpoints over a Backend: status, readers, patient and
// practitioner cards, the OpenAPI document, plus not-found and
// method-not-allowed. Requests reach it only after policy admission.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hcbridge/api/backend.hpp"
#include "hcbridge/api/http_types.hpp"
#include "hcbridge/api/policy.hpp"

namespace hcbridge::api {

// One line of the audit log: who read what, never the values.
struct AuditEntry {
  std::string action;  // "patient-card.read"
  std::string caller;  // Caller::identity()
  std::optional<std::string> practitioner;
  std::string cardSerialHash;       // empty when no card was read
  std::vector<std::string> fields;  // top-level field names returned
  std::string outcome;              // "ok" or the problem id
};
using AuditSink = std::function<void(const AuditEntry&)>;

// Called once, possibly on a backend thread.
using ResponseHandler = std::function<void(Response)>;

// The OpenAPI 3.1 document served at /v1/openapi.json (embedded at build time).
std::string_view openApiDocument();

class Router {
 public:
  Router(Backend& backend, bool requirePractitionerSession, AuditSink audit);

  void route(const Request& request, const Caller& caller, ResponseHandler done);

 private:
  void patientCard(const Request& request, const Caller& caller, ResponseHandler done);
  void practitionerCard(const Request& request, ResponseHandler done);

  Backend& backend_;
  bool requirePractitionerSession_;
  AuditSink audit_;
};

}  // namespace hcbridge::api
