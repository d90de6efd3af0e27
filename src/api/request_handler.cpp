#include "hcbridge/api/request_handler.hpp"

#include <nlohmann/json.hpp>

#include "hcbridge/api/problem.hpp"

namespace hcbridge::api {
namespace {

void addHeaders(Response& response, const std::vector<Header>& headers) {
  for (const Header& header : headers) setHeader(response.headers, header.name, header.value);
}

}  // namespace

RequestHandler::RequestHandler(Backend& backend, Policy policy, KeyCheck checkKey, AuditSink audit,
                               AccessHistory history)
    : policy_(std::move(policy)),
      live_(std::make_shared<const Policy>(policy_)),
      checkKey_(std::move(checkKey)),
      router_(backend, policy_, std::move(audit), std::move(history)) {}

std::shared_ptr<const Policy> RequestHandler::livePolicy() const {
  std::lock_guard lock(liveMutex_);
  return live_;
}

void RequestHandler::setPort(std::uint16_t port) {
  policy_.port = port;
  std::lock_guard lock(liveMutex_);
  auto updated = std::make_shared<Policy>(*live_);
  updated->port = port;
  live_ = std::move(updated);
}

void RequestHandler::setAllowedOrigins(std::vector<std::string> origins) {
  std::lock_guard lock(liveMutex_);
  auto updated = std::make_shared<Policy>(*live_);
  updated->allowedOrigins = std::move(origins);
  live_ = std::move(updated);
}

Admission RequestHandler::admit(const Request& request) const {
  return api::admit(request, *livePolicy(), checkKey_);
}

void RequestHandler::handle(const Request& request, HandledRequestHandler done) {
  Admission admission = admit(request);
  if (!admission.caller) {
    done({std::move(admission.response), std::move(admission.logCaller)});
    return;
  }
  route(request, std::move(admission), std::move(done));
}

void RequestHandler::route(const Request& request, Admission admission,
                           HandledRequestHandler done) {
  router_.route(request, *admission.caller,
                [cors = std::move(admission.corsHeaders), caller = admission.logCaller,
                 done = std::move(done)](Response response) {
                  addHeaders(response, cors);
                  done({std::move(response), caller});
                });
}

std::string targetForLog(std::string_view target) {
  const std::size_t question = target.find('?');
  std::string out(target.substr(0, question));
  if (question == std::string_view::npos) return out;
  std::string_view rest = target.substr(question + 1);
  char separator = '?';
  while (!rest.empty()) {
    const std::size_t amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
    if (pair.empty()) continue;
    out += separator;
    out += pair.substr(0, pair.find('='));
    separator = '&';
  }
  return out;
}

}  // namespace hcbridge::api
