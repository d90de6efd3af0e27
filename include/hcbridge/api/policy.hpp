// The API's admission policy as pure functions: Host (DNS rebinding), Origin
// allow-list with CORS preflight, application keys for callers without
// Origin, and request-size limits. No I/O, no Beast.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hcbridge/api/http_types.hpp"

namespace hcbridge::api {

struct Limits {
  std::size_t maxBodyBytes = 16 * 1024;
  std::size_t maxHeaderCount = 64;
  // Request line plus all header fields (what Beast's header_limit counts).
  std::size_t maxHeaderBytes = 8 * 1024;
  int maxJsonDepth = 16;
  std::size_t maxConnections = 128;  // HTTP and WebSocket together
  // Of those, what one caller (an origin or an application) may hold, so it
  // cannot take every slot: counted from its first admitted request on a
  // connection (the caller is only known then), WebSockets included.
  std::size_t maxConnectionsPerCaller = 16;
  std::size_t maxWebSocketMessageBytes = 4 * 1024;
  std::size_t maxWebSocketQueue = 256;  // outbound messages before a slow client is dropped
  // Whole header (and keep-alive idle) time, and whole body time: a client
  // sending a byte a second cannot hold a connection slot longer than this.
  std::chrono::milliseconds headerTimeout{15'000};
  std::chrono::milliseconds bodyTimeout{15'000};
  // A WebSocket silent for half this time gets a ping; one that sends
  // nothing, not even the pong, for this long is closed (its slot freed).
  std::chrono::milliseconds webSocketIdleTimeout{60'000};
};

struct Policy {
  std::uint16_t port = 0;  // the port the Host header must name; the Server sets the bound one
  std::vector<std::string> allowedOrigins;  // exact "scheme://host[:port]"
  bool requirePractitionerSession = true;
  // Native applications (no Origin) get tokens bound to this origin: app name -> origin.
  std::map<std::string, std::string> appOrigins;
  std::string configPath = "/etc/hcbridge/config.json";  // named in refusal details
  Limits limits;
};

// Returns the application's name for a valid key (AppKeyStore::authenticate).
using KeyCheck = std::function<std::optional<std::string>(std::string_view key)>;

struct Caller {
  std::optional<std::string> origin;  // browser caller; empty for an application
  std::string app;                    // application name when origin is empty
  std::optional<std::uint32_t> uid;   // the local user of the client's process, when known
  // "origin https://app.example" or "app NAME", for the audit and request logs.
  std::string identity() const;
};

struct Admission {
  // Set when the request may go on to the router.
  std::optional<Caller> caller;
  // When caller is empty: the answer (a refusal, or a preflight's 204).
  Response response;
  // For an allowed Origin: Access-Control-Allow-Origin and Vary, to add to
  // every response of this request.
  std::vector<Header> corsHeaders;
  // For the request log: who asked, "-" when unknown.
  std::string logCaller = "-";
};

// Host, limits on headers and body size, Origin/preflight, application key.
Admission admit(const Request& request, const Policy& policy, const KeyCheck& checkKey);

// "localhost:PORT", "127.0.0.1:PORT" or "[::1]:PORT" (port may be left out
// only when it is 80).
bool isAllowedHost(std::string_view host, std::uint16_t port);

// Parses a request body as JSON within limits.maxJsonDepth; throws
// hcbridge::Error(BadRequest) with a detail saying what is wrong.
nlohmann::json parseJsonBody(std::string_view body, const Limits& limits);

}  // namespace hcbridge::api
