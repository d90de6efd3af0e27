// Accepts connections on one loopback address.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <memory>

#include "server_core.hpp"

namespace hcbridge::api::detail {

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  // Throws boost::system::system_error when the address cannot be bound.
  Listener(boost::asio::io_context& io, const boost::asio::ip::tcp::endpoint& endpoint,
           std::shared_ptr<ServerCore> core);
  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  void run();
  void stop();

 private:
  void accept();
  void onAccept(boost::system::error_code ec, boost::asio::ip::tcp::socket socket);

  boost::asio::io_context& io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::weak_ptr<ServerCore> core_;  // the core owns its listeners
};

}  // namespace hcbridge::api::detail
