#include "server_core.hpp"

#include <algorithm>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>

#include "hcbridge/error.hpp"
#include "listener.hpp"

namespace hcbridge::api::detail {

namespace net = boost::asio;
using net::ip::tcp;

ConnectionSlot::~ConnectionSlot() {
  if (core_) core_->releaseSlot();
}

CallerSlot& CallerSlot::operator=(CallerSlot&& other) noexcept {
  if (this != &other) {
    release();
    core_ = std::move(other.core_);
    caller_ = std::move(other.caller_);
    other.core_.reset();
    other.caller_.clear();
  }
  return *this;
}

CallerSlot::~CallerSlot() {
  release();
}

void CallerSlot::release() noexcept {
  if (core_) core_->releaseCallerSlot(caller_);
  core_.reset();
  caller_.clear();
}

ServerCore::ServerCore(net::io_context& io, Backend& backend, Policy policy, KeyCheck checkKey,
                       AuditSink audit, LogSink log, AccessHistory history)
    : io_(io),
      backend_(backend),
      handler_(backend, std::move(policy), std::move(checkKey), std::move(audit),
               std::move(history)),
      log_(std::move(log)) {}

void ServerCore::listen() {
  const std::uint16_t wanted = handler_.policy().port;
  std::shared_ptr<Listener> v4;
  try {
    v4 = std::make_shared<Listener>(io_, tcp::endpoint(net::ip::address_v4::loopback(), wanted),
                                    shared_from_this());
  } catch (const boost::system::system_error& e) {
    throw Error(Errc::ConnectionFailed,
                "cannot listen on 127.0.0.1:" + std::to_string(wanted) + ": " + e.what(),
                "choose another port with --listen or stop the program using it");
  }
  // Port 0 picks an ephemeral port; ::1 then takes the same one.
  const std::uint16_t bound = v4->port();
  handler_.setPort(bound);
  listeners_.push_back(v4);
  try {
    listeners_.push_back(std::make_shared<Listener>(
        io_, tcp::endpoint(net::ip::address_v6::loopback(), bound), shared_from_this()));
  } catch (const boost::system::system_error& e) {
    log("listening on 127.0.0.1 only: [::1]:" + std::to_string(bound) + " unavailable (" +
        e.what() + ")");
  }
  for (const auto& listener : listeners_) listener->run();
}

void ServerCore::stop() {
  if (stopping_.exchange(true)) return;
  std::vector<std::shared_ptr<Listener>> listeners;
  std::vector<std::weak_ptr<Closable>> connections;
  {
    std::lock_guard lock(mutex_);
    listeners.swap(listeners_);
    connections.swap(connections_);
  }
  for (const auto& listener : listeners) listener->stop();
  for (const auto& weak : connections) {
    if (auto connection = weak.lock()) connection->shutdown();
  }
}

void ServerCore::log(std::string_view line) {
  if (!log_) return;
  bool first = false;
  {
    std::lock_guard lock(logMutex_);
    first = pendingLog_.empty();
    if (!first) pendingLog_.push_back('\n');
    pendingLog_.append(line);
  }
  // Handlers that run before the flush add their lines to the same call.
  if (first) net::post(io_, [self = shared_from_this()] { self->flushLog(); });
}

void ServerCore::flushLog() {
  std::string lines;
  {
    std::lock_guard lock(logMutex_);
    lines.swap(pendingLog_);
  }
  if (!lines.empty()) log_(lines);
}

std::optional<ConnectionSlot> ServerCore::tryOpenSlot() {
  std::size_t open = openConnections_.load();
  do {
    if (open >= limits().maxConnections) return std::nullopt;
  } while (!openConnections_.compare_exchange_weak(open, open + 1));
  return ConnectionSlot(shared_from_this());
}

void ServerCore::releaseSlot() {
  openConnections_.fetch_sub(1);
}

void ServerCore::track(const std::shared_ptr<Closable>& connection) {
  std::lock_guard lock(mutex_);
  // Forget connections that have ended, so the list stays the size of the open ones.
  std::erase_if(connections_, [](const auto& weak) { return weak.expired(); });
  connections_.push_back(connection);
}

std::optional<CallerSlot> ServerCore::tryOpenCallerSlot(const std::string& caller) {
  std::lock_guard lock(callersMutex_);
  std::size_t& held = callerConnections_[caller];
  if (held >= limits().maxConnectionsPerCaller) {
    if (held == 0) callerConnections_.erase(caller);
    return std::nullopt;
  }
  ++held;
  return CallerSlot(shared_from_this(), caller);
}

void ServerCore::releaseCallerSlot(const std::string& caller) noexcept {
  std::lock_guard lock(callersMutex_);
  const auto it = callerConnections_.find(caller);
  if (it == callerConnections_.end()) return;
  if (--it->second == 0) callerConnections_.erase(it);
}

}  // namespace hcbridge::api::detail
