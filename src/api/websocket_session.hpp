// WS /v1/events: the current state then live events, one JSON text frame
// each. Outbound frames wait in a bounded queue; a client too slow to keep
// up is disconnected rather than allowed to hold memory or the backend, and
// one that does not answer pings (Limits::webSocketIdleTimeout) is closed.
#pragma once

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <deque>
#include <memory>
#include <string>

#include "beast_messages.hpp"
#include "server_core.hpp"

namespace hcbridge::api::detail {

class WebSocketSession : public Closable, public std::enable_shared_from_this<WebSocketSession> {
 public:
  WebSocketSession(boost::beast::tcp_stream stream, std::shared_ptr<ServerCore> core,
                   ConnectionSlot slot, CallerSlot callerSlot, std::string caller);
  ~WebSocketSession() override;

  void start(BeastRequest upgrade);
  void shutdown() override;

 private:
  void onAccept(boost::beast::error_code ec);
  void read();
  void enqueue(std::string frame);
  void writeNext();
  void closeGoingAway();
  void drop(const char* reason);
  void end();

  boost::asio::any_io_executor executor_;
  boost::beast::websocket::stream<boost::beast::tcp_stream> ws_;
  std::shared_ptr<ServerCore> core_;
  ConnectionSlot slot_;
  CallerSlot callerSlot_;
  std::string caller_;
  boost::beast::flat_buffer readBuffer_;
  std::deque<std::string> queue_;
  std::unique_ptr<Subscription> subscription_;
  bool writing_ = false;
  bool accepted_ = false;  // handshake finished (successfully or not)
  bool closing_ = false;
};

}  // namespace hcbridge::api::detail
