// A real HTTP/WebSocket client (Beast, blocking) for the server tests and
// the integration tests against hcbridged.
// Beast stays in test_client.cpp so the test files build fast.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace hcbridge::api::testing {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct HttpReply {
  int status = 0;
  Headers headers;
  std::string body;

  std::optional<std::string> header(std::string_view name) const;
  nlohmann::json json() const { return nlohmann::json::parse(body); }
};

// One TCP connection to 127.0.0.1:port; requests reuse it (keep-alive).
// Adds "Host: 127.0.0.1:port" unless the headers give a Host.
class HttpClient {
 public:
  explicit HttpClient(std::uint16_t port);
  ~HttpClient();
  HttpReply request(const std::string& method, const std::string& target,
                    const Headers& headers = {}, const std::string& body = {});
  HttpReply get(const std::string& target, const Headers& headers = {}) {
    return request("GET", target, headers);
  }
  // Raw bytes, for requests a well-behaved client would not send.
  void sendRaw(const std::string& bytes);
  // Everything the server sends until it closes the connection; nullopt
  // when it is still open after the time.
  std::optional<std::string> readUntilClosed(std::chrono::milliseconds time);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// One request on a fresh connection.
HttpReply fetch(std::uint16_t port, const std::string& method, const std::string& target,
                const Headers& headers = {}, const std::string& body = {});

class WsClient {
 public:
  // Throws std::runtime_error when the upgrade fails.
  WsClient(std::uint16_t port, const Headers& headers);
  ~WsClient();
  // The next text frame; nullopt on timeout or close.
  std::optional<std::string> read(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // The close reason code after the server closed (0 when unknown).
  int closeCode() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The HTTP status of a refused upgrade (0 when it was accepted).
int websocketRefusalStatus(std::uint16_t port, const Headers& headers);

}  // namespace hcbridge::api::testing
