#include "beast_messages.hpp"

namespace hcbridge::api::detail {

namespace http = boost::beast::http;

Request toApiRequest(const BeastRequest& request) {
  Request out;
  out.method = std::string(request.method_string());
  out.target = std::string(request.target());
  for (const auto& field : request) {
    out.headers.push_back({std::string(field.name_string()), std::string(field.value())});
  }
  out.body.assign(request.body().data(), request.body().size());
  return out;
}

BeastResponse toBeastResponse(const Response& response, unsigned httpVersion, bool keepAlive) {
  BeastResponse out{static_cast<http::status>(response.status), httpVersion};
  out.set(http::field::server, "hcbridge");
  // Answers may hold patient data: never cached, never content-sniffed.
  out.set(http::field::cache_control, "no-store");
  out.set("X-Content-Type-Options", "nosniff");
  for (const Header& header : response.headers) out.insert(header.name, header.value);
  out.body() = response.body;
  out.keep_alive(keepAlive);
  out.prepare_payload();
  return out;
}

}  // namespace hcbridge::api::detail
