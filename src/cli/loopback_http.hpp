// One GET to the local service (`hcbridge doctor`'s /v1/status call): plain
// sockets, as the answer is small and the connection never leaves the host.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace hcbridge::cli {

struct HttpAnswer {
  int status = 0;
  std::string contentType;
  std::string body;
};

// GET http://127.0.0.1:PORT{target}. nullopt with `error` set (strerror
// text: "Connection refused") when nothing answers within `timeout`.
std::optional<HttpAnswer> loopbackGet(std::uint16_t port, const std::string& target,
                                      std::chrono::milliseconds timeout, std::string& error);

// Parses "HTTP/1.1 401 Unauthorized\r\nContent-Type: ...\r\n\r\nbody";
// nullopt when it is not an HTTP response.
std::optional<HttpAnswer> parseHttpAnswer(const std::string& response);

}  // namespace hcbridge::cli
