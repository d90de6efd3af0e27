// State shared by the listeners and connections of one Server: the request
// handler, the connection caps (in all and per caller), the log, and the
// registry that stop() uses.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
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

// One of Limits::maxConnectionsPerCaller for one caller ("origin X" or
// "app NAME"); given back when destroyed or replaced.
class CallerSlot {
 public:
  CallerSlot() = default;
  CallerSlot(std::shared_ptr<ServerCore> core, std::string caller)
      : core_(std::move(core)), caller_(std::move(caller)) {}
  CallerSlot(CallerSlot&& other) noexcept = default;
  CallerSlot& operator=(CallerSlot&& other) noexcept;
  ~CallerSlot();

  // Empty when no caller holds it.
  const std::string& caller() const { return caller_; }

 private:
  void release() noexcept;

  std::shared_ptr<ServerCore> core_;
  std::string caller_;
};

class Listener;

class ServerCore : public std::enable_shared_from_this<ServerCore> {
 public:
  ServerCore(boost::asio::io_context& io, Backend& backend, Policy policy, KeyCheck checkKey,
             AuditSink audit, LogSink log, AccessHistory history);

  // Binds and starts accepting; returns the bound port.
  void listen();
  std::uint16_t port() const { return handler_.policy().port; }
  void stop();
  bool stopping() const { return stopping_.load(); }

  RequestHandler& handler() { return handler_; }
  const Limits& limits() const { return handler_.policy().limits; }
  Backend& backend() { return backend_; }
  // Queues the line; the network thread writes the queued lines with one
  // call to the LogSink once the handlers ready to run now have run.
  void log(std::string_view line);

  // Empty when the cap is reached.
  std::optional<ConnectionSlot> tryOpenSlot();
  void track(const std::shared_ptr<Closable>& connection);
  // Empty when `caller` already holds maxConnectionsPerCaller connections.
  std::optional<CallerSlot> tryOpenCallerSlot(const std::string& caller);

 private:
  friend class ConnectionSlot;
  friend class CallerSlot;
  void releaseSlot();
  void releaseCallerSlot(const std::string& caller) noexcept;
  void flushLog();

  boost::asio::io_context& io_;
  Backend& backend_;
  RequestHandler handler_;
  LogSink log_;
  std::mutex logMutex_;
  std::string pendingLog_;  // lines not yet given to log_, '\n' between them
  std::atomic<bool> stopping_{false};
  std::atomic<std::size_t> openConnections_{0};
  std::mutex mutex_;
  std::vector<std::shared_ptr<Listener>> listeners_;
  std::vector<std::weak_ptr<Closable>> connections_;
  std::mutex callersMutex_;
  std::map<std::string, std::size_t> callerConnections_;  // only callers holding one or more
};

}  // namespace hcbridge::api::detail
