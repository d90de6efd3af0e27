// Plain HTTP request/response values for the API's pure logic (policy,
// router). The server converts Beast messages to and from these, so policy
// and routing stay free of Beast: fast to build, easy to test and fuzz.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hcbridge::api {

struct Header {
  std::string name;
  std::string value;
};

struct Request {
  std::string method;  // "GET", "OPTIONS", ... as received (case-sensitive, RFC 9110)
  std::string target;  // origin-form: "/v1/patient-card?reader=...&fields=..."
  std::vector<Header> headers;
  std::string body;
  // The local user owning the client's socket, when the server found it
  // (Linux, loopback): what binds a practitioner session to its user.
  std::optional<std::uint32_t> peerUid = std::nullopt;
};

struct Response {
  int status = 200;
  std::vector<Header> headers;  // Content-Type included when there is a body
  std::string body;
  // For the request log only, never sent: a refusal's problem code and, for
  // an exception of the JSON library, its error id (never a value).
  std::string logNote;
};

// Header names compare case-insensitively.
bool headerNameEquals(std::string_view a, std::string_view b);
// The value of the only header of that name; nullopt when absent. When the
// header occurs more than once, sets *repeated (if given) and returns nullopt.
std::optional<std::string_view> singleHeader(const std::vector<Header>& headers,
                                             std::string_view name, bool* repeated = nullptr);
std::size_t headerCount(const std::vector<Header>& headers, std::string_view name);
// Adds or replaces.
void setHeader(std::vector<Header>& headers, std::string_view name, std::string value);

Response jsonResponse(int status, std::string body);

}  // namespace hcbridge::api
