#include "websocket_session.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <nlohmann/json.hpp>

#include "hcbridge/api/model_json.hpp"
#include "json_text.hpp"

namespace hcbridge::api::detail {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace net = boost::asio;

WebSocketSession::WebSocketSession(beast::tcp_stream stream, std::shared_ptr<ServerCore> core,
                                   ConnectionSlot slot, CallerSlot callerSlot, std::string caller)
    : executor_(stream.get_executor()),
      ws_(std::move(stream)),
      core_(std::move(core)),
      slot_(std::move(slot)),
      callerSlot_(std::move(callerSlot)),
      caller_(std::move(caller)) {}

WebSocketSession::~WebSocketSession() {
  subscription_.reset();
}

void WebSocketSession::start(BeastRequest upgrade) {
  beast::get_lowest_layer(ws_).expires_never();  // the websocket stream has its own timeouts
  // A client that goes away is seen at once on loopback (the kernel closes
  // its socket), one that stops reading is dropped when its queue is full;
  // but a client that keeps its socket open and never reads would hold its
  // slot forever. Beast pings after half the idle time without traffic and
  // closes when nothing, not even the pong, came by the end of it; browsers
  // answer pings by themselves. One wake-up per idle half-period per socket.
  auto timeouts = websocket::stream_base::timeout::suggested(beast::role_type::server);
  timeouts.idle_timeout = core_->limits().webSocketIdleTimeout;
  timeouts.keep_alive_pings = true;
  ws_.set_option(timeouts);
  ws_.set_option(websocket::stream_base::decorator([](websocket::response_type& response) {
    response.set(beast::http::field::server, "hcbridge");
  }));
  ws_.read_message_max(core_->limits().maxWebSocketMessageBytes);
  ws_.async_accept(upgrade,
                   [self = shared_from_this()](beast::error_code ec) { self->onAccept(ec); });
}

void WebSocketSession::onAccept(beast::error_code ec) {
  accepted_ = true;
  if (ec) {
    core_->log("ws handshake failed: " + ec.message());
    return end();
  }
  if (core_->stopping()) return closeGoingAway();
  // The listener may run on any backend thread and must not block: it only
  // posts to the network thread. It holds no strong reference, so the
  // session (and its Subscription) is never destroyed inside the callback.
  std::weak_ptr<WebSocketSession> weak = weak_from_this();
  net::any_io_executor executor = executor_;
  subscription_ = core_->backend().subscribe([weak, executor](const ServiceEvent& event) {
    net::post(executor, [weak, frame = jsonText(toJson(event))]() mutable {
      if (auto self = weak.lock()) self->enqueue(std::move(frame));
    });
  });
  read();
}

// Clients have nothing to say on this endpoint; reading keeps the control
// frames (ping, close) flowing and notices the client leaving.
void WebSocketSession::read() {
  ws_.async_read(readBuffer_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
    if (ec) {
      if (ec == beast::error::timeout) {
        self->core_->log("ws closed: no answer to ping within " +
                         std::to_string(self->core_->limits().webSocketIdleTimeout.count()) +
                         "ms " + self->caller_);
      } else if (ec != websocket::error::closed && ec != net::error::operation_aborted) {
        self->core_->log("ws closed: " + ec.message() + " " + self->caller_);
      }
      return self->end();
    }
    self->readBuffer_.consume(self->readBuffer_.size());
    self->read();
  });
}

void WebSocketSession::enqueue(std::string frame) {
  if (closing_) return;
  if (queue_.size() >= core_->limits().maxWebSocketQueue) {
    return drop("client does not read its events");
  }
  queue_.push_back(std::move(frame));
  if (!writing_) writeNext();
}

void WebSocketSession::writeNext() {
  writing_ = true;
  ws_.text(true);
  ws_.async_write(net::buffer(queue_.front()),
                  [self = shared_from_this()](beast::error_code ec, std::size_t) {
                    self->writing_ = false;
                    if (ec) return self->end();
                    self->queue_.pop_front();
                    if (!self->queue_.empty() && !self->closing_) self->writeNext();
                  });
}

void WebSocketSession::shutdown() {
  net::dispatch(executor_, [self = shared_from_this()] {
    // During the handshake a close cannot be sent; onAccept sees stopping().
    if (self->accepted_) self->closeGoingAway();
  });
}

void WebSocketSession::closeGoingAway() {
  if (closing_) return;
  closing_ = true;
  subscription_.reset();
  // A client that never answers the close (one that stopped reading) must not
  // hold up the shutdown for the 30 s handshake timeout: give it a second.
  auto timeouts = websocket::stream_base::timeout::suggested(beast::role_type::server);
  timeouts.handshake_timeout = std::chrono::seconds(1);
  ws_.set_option(timeouts);
  ws_.async_close(websocket::close_code::going_away,
                  [self = shared_from_this()](beast::error_code) { self->end(); });
}

void WebSocketSession::drop(const char* reason) {
  core_->log(std::string("ws dropped: ") + reason + " " + caller_);
  closing_ = true;
  end();
}

void WebSocketSession::end() {
  closing_ = true;
  subscription_.reset();
  if (!writing_) queue_.clear();  // a write in flight still reads its frame
  beast::error_code ignored;
  beast::get_lowest_layer(ws_).socket().close(ignored);
}

}  // namespace hcbridge::api::detail
