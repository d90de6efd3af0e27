// One HTTP/1.1 connection: reads a request under the header and body
// timeouts, admits it and counts it against its caller's connection cap,
// hands it to the RequestHandler, writes the answer on the network thread,
// repeats while keep-alive holds. A WebSocket upgrade is admitted
// here and handed to a WebSocketSession with the connection's slots.
#pragma once

#include <array>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "beast_messages.hpp"
#include "server_core.hpp"

namespace hcbridge::api::detail {

class HttpSession : public Closable, public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(boost::asio::ip::tcp::socket socket, std::shared_ptr<ServerCore> core,
              ConnectionSlot slot);
  void run();
  // Over the connection cap: answer 503 and close without reading.
  void refuseOverCapacity();
  void shutdown() override;

 private:
  void readHeader();
  void onHeader(boost::beast::error_code ec);
  void onBody(boost::beast::error_code ec);
  bool answerReadError(boost::beast::error_code ec);
  void handleRequest();
  // False (and the 503 written) when the caller holds its share of connections.
  bool holdCallerSlot(const Caller& caller);
  void upgrade();
  void write(const Response& response, const std::string& caller, bool keepAlive);
  void onWrite(boost::beast::error_code ec, bool keepAlive);
  void close();
  void drainThenClose();
  void onDrain(boost::beast::error_code ec, std::size_t bytes);

  boost::asio::any_io_executor executor_;  // the network thread's; outlives an upgrade
  boost::beast::tcp_stream stream_;
  WipedFlatBuffer buffer_;  // wiped after each request with a body
  std::shared_ptr<ServerCore> core_;
  ConnectionSlot slot_;
  // The caller of this connection's last admitted request; counted against
  // Limits::maxConnectionsPerCaller until the connection ends.
  CallerSlot callerSlot_;
  // The local user of the client's process, looked up once per connection.
  std::optional<std::uint32_t> peerUid_;
  std::optional<boost::beast::http::request_parser<WipedStringBody>> parser_;
  std::string wire_;  // the answer being written; wiped once written
  std::chrono::steady_clock::time_point started_;
  bool busy_ = false;      // between a complete request and its answer written
  bool upgraded_ = false;  // the stream now belongs to a WebSocketSession
  std::size_t drained_ = 0;
  std::array<char, 4096> drainBuffer_{};
};

}  // namespace hcbridge::api::detail
