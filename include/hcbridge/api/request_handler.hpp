// Policy + router: what the server (and the fuzzer) call for each request.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "hcbridge/api/backend.hpp"
#include "hcbridge/api/http_types.hpp"
#include "hcbridge/api/policy.hpp"
#include "hcbridge/api/router.hpp"

namespace hcbridge::api {

struct HandledRequest {
  Response response;
  std::string caller;  // for the request log: Admission::logCaller
};
using HandledRequestHandler = std::function<void(HandledRequest)>;

class RequestHandler {
 public:
  RequestHandler(Backend& backend, Policy policy, KeyCheck checkKey, AuditSink audit,
                 AccessHistory history = {});

  // done is called once; on a backend thread when the backend completes there.
  void handle(const Request& request, HandledRequestHandler done);
  // The admission alone, for WebSocket upgrades.
  Admission admit(const Request& request) const;
  // handle() after admit(): for a request admit() let through (it has a
  // caller). The server admits first itself, to count connections per caller.
  void route(const Request& request, Admission admission, HandledRequestHandler done);

  // The policy as constructed (port and limits never change later).
  const Policy& policy() const { return policy_; }
  // The port Host must name, once the server knows which one it bound.
  void setPort(std::uint16_t port);
  // Replaces the allowed origins (config reload); thread-safe, applies to
  // the requests admitted after it returns.
  void setAllowedOrigins(std::vector<std::string> origins);

 private:
  std::shared_ptr<const Policy> livePolicy() const;

  Policy policy_;
  mutable std::mutex liveMutex_;
  std::shared_ptr<const Policy> live_;  // policy_ with the current origins
  KeyCheck checkKey_;
  Router router_;
};

// "/v1/patient-card?reader=X&fields=a" -> "/v1/patient-card?reader&fields":
// query values may hold data, the log keeps only the names.
std::string targetForLog(std::string_view target);

}  // namespace hcbridge::api
