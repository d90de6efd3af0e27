// State shared by the listeners and connections of one Server: the request
// handler, the connection cap, the log, and the registry that stop() uses.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <memory>
#include <mutex>
#include <string_view>
#include <vector>

#include "hcbridge/api/request_handler.hpp"
#include "hcbridge/api/server.hpp"

namespace hcbridge::api::detail {

// A connection that stop() can end: HTTP closes after its answer in
// flight, WebSocket closes with going_away.
class Closable {
 public:
  virtual ~Closable() = default;
  virtual void shutdown() = 0;
};

class ServerCore;

// One of Limits::maxConnections; given back when destroyed.
class ConnectionSlot {
 public:
  ConnectionSlot() = default;
  explicit ConnectionSlot(std::shared_ptr<ServerCore> core) : core_(std::move(core)) {}
  ConnectionSlot(ConnectionSlot&&) noexcept = default;
  ConnectionSlot& operator=(ConnectionSlot&&) noexcept = default;
  ~ConnectionSlot();

 private:
  std::shared_ptr<ServerCore> core_;
};

class Listener;

class ServerCore : public std::enable_shared_from_this<ServerCore> {
 public:
  ServerCore(boost::asio::io_context& io, Backend& backend, Policy policy, KeyCheck checkKey,
             AuditSink audit, LogSink log);

  // Binds and starts accepting; returns the bound port.
  void listen();
  std::uint16_t port() const { return handler_.policy().port; }
  void stop();
  bool stopping() const { return stopping_.load(); }

  RequestHandler& handler() { return handler_; }
  const Limits& limits() const { return handler_.policy().limits; }
  Backend& backend() { return backend_; }
  void log(std::string_view line) const;

  // Empty when the cap is reached.
  std::optional<ConnectionSlot> tryOpenSlot();
  void track(const std::shared_ptr<Closable>& connection);

 private:
  friend class ConnectionSlot;
  void releaseSlot();

  boost::asio::io_context& io_;
  Backend& backend_;
  RequestHandler handler_;
  LogSink log_;
  std::atomic<bool> stopping_{false};
  std::atomic<std::size_t> openConnections_{0};
  std::mutex mutex_;
  std::vector<std::shared_ptr<Listener>> listeners_;
  std::vector<std::weak_ptr<Closable>> connections_;
};

}  // namespace hcbridge::api::detail
