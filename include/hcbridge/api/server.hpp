// The loopback HTTP/1.1 + WebSocket server (Boost.Beast, kept out of this
// header). It runs on the caller's io_context, which must be run by ONE
// thread: that thread serialises every connection's handlers. A strand per
// connection did the same for several threads, at a fifth of the requests
// per second (docs/performance.md); card work has its own threads anyway.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "hcbridge/api/backend.hpp"
#include "hcbridge/api/policy.hpp"
#include "hcbridge/api/router.hpp"

namespace boost::asio {
class io_context;
}

namespace hcbridge::api {
namespace detail {
class ServerCore;
}

// One line per event (request, refusal, connection dropped); never bodies,
// never card data, never query values. The lines of one turn of the network
// thread come in one call, separated by '\n' (no newline at the end): one
// write() for many requests instead of one each.
using LogSink = std::function<void(std::string_view lines)>;

class Server {
 public:
  // Binds 127.0.0.1 and ::1 on policy.port (0: an ephemeral port, the same
  // for both) and starts accepting. Without ::1 it serves IPv4 alone and
  // logs it. Throws hcbridge::Error(ConnectionFailed) when 127.0.0.1 cannot
  // be bound.
  Server(boost::asio::io_context& io, Backend& backend, Policy policy, KeyCheck checkKey,
         AuditSink audit, LogSink log, AccessHistory history = {});
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  std::uint16_t port() const;

  // Graceful: closes the listeners, closes WebSockets with going_away, lets
  // requests in flight finish (their connections close after the answer).
  // Thread-safe; the io_context's run() returns once all is done.
  void stop();
  // Replaces the allowed origins (SIGHUP); thread-safe.
  void setAllowedOrigins(std::vector<std::string> origins);

 private:
  std::shared_ptr<detail::ServerCore> core_;
};

}  // namespace hcbridge::api
