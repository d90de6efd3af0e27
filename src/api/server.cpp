#include "hcbridge/api/server.hpp"

#include "server_core.hpp"

namespace hcbridge::api {

Server::Server(boost::asio::io_context& io, Backend& backend, Policy policy, KeyCheck checkKey,
               AuditSink audit, LogSink log, AccessHistory history)
    : core_(std::make_shared<detail::ServerCore>(io, backend, std::move(policy),
                                                 std::move(checkKey), std::move(audit),
                                                 std::move(log), std::move(history))) {
  core_->listen();
}

Server::~Server() {
  core_->stop();
}

std::uint16_t Server::port() const {
  return core_->port();
}

void Server::stop() {
  core_->stop();
}

void Server::setAllowedOrigins(std::vector<std::string> origins) {
  core_->handler().setAllowedOrigins(std::move(origins));
}

}  // namespace hcbridge::api
