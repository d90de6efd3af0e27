// One GET to the local service (`hcbridge doctor`'s /v1/status call), with
// Boost.Beast: whatever holds the port may answer anything, and Beast's
// parser is the one the service itself trusts.
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

// GET http://127.0.0.1:PORT{target}, all within `timeout`. nullopt with
// `error` set when nothing answers ("Connection refused", "no answer within
// 3000 ms") or the answer is not HTTP ("the answer is not HTTP: ...").
std::optional<HttpAnswer> loopbackGet(std::uint16_t port, const std::string& target,
                                      std::chrono::milliseconds timeout, std::string& error);

}  // namespace hcbridge::cli
