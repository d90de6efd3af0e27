#include "listener.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/v6_only.hpp>

#include "http_session.hpp"

namespace hcbridge::api::detail {

namespace net = boost::asio;
using net::ip::tcp;

Listener::Listener(net::io_context& io, const tcp::endpoint& endpoint,
                   std::shared_ptr<ServerCore> core)
    : io_(io), acceptor_(io), core_(core) {
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(net::socket_base::reuse_address(true));
  if (endpoint.protocol() == tcp::v6()) acceptor_.set_option(net::ip::v6_only(true));
  acceptor_.bind(endpoint);
  acceptor_.listen(net::socket_base::max_listen_connections);
}

void Listener::run() {
  net::dispatch(acceptor_.get_executor(), [self = shared_from_this()] { self->accept(); });
}

void Listener::stop() {
  net::dispatch(acceptor_.get_executor(), [self = shared_from_this()] {
    boost::system::error_code ignored;
    self->acceptor_.close(ignored);
  });
}

void Listener::accept() {
  // The io_context has one thread (server.hpp): a connection's handlers
  // never run concurrently without a strand.
  acceptor_.async_accept(io_.get_executor(), [self = shared_from_this()](
                                                 boost::system::error_code ec, tcp::socket socket) {
    self->onAccept(ec, std::move(socket));
  });
}

void Listener::onAccept(boost::system::error_code ec, tcp::socket socket) {
  auto core = core_.lock();
  if (ec == net::error::operation_aborted || !acceptor_.is_open() || !core) return;
  if (ec) {
    core->log("accept failed: " + ec.message());
  } else if (auto slot = core->tryOpenSlot()) {
    auto session = std::make_shared<HttpSession>(std::move(socket), core, std::move(*slot));
    core->track(session);
    session->run();
  } else {
    core->log("connection refused: " + std::to_string(core->limits().maxConnections) +
              " connections open");
    std::make_shared<HttpSession>(std::move(socket), core, ConnectionSlot{})->refuseOverCapacity();
  }
  accept();
}

}  // namespace hcbridge::api::detail
