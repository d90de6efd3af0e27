// The WebSocket side of the event-latency benchmark: connects to
// hcbridged's /v1/events and prints "card.inserted <reader>" /
// "card.removed <reader>" the moment such an event arrives, like
// raw_observer does for PC/SC.
//
//   ws_observer PORT KEY
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = boost::asio::ip::tcp;

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: ws_observer PORT APP_KEY\n");
    return 2;
  }
  try {
    boost::asio::io_context io;
    tcp::resolver resolver(io);
    websocket::stream<tcp::socket> ws(io);
    boost::asio::connect(ws.next_layer(), resolver.resolve("127.0.0.1", argv[1]));
    ws.next_layer().set_option(tcp::no_delay(true));
    const std::string bearer = std::string("Bearer ") + argv[2];
    ws.set_option(websocket::stream_base::decorator([&](websocket::request_type& request) {
      request.set(beast::http::field::authorization, bearer);
    }));
    ws.handshake(std::string("127.0.0.1:") + argv[1], "/v1/events");
    std::printf("Watching\n");
    std::fflush(stdout);
    beast::flat_buffer buffer;
    for (;;) {
      ws.read(buffer);
      const auto event = nlohmann::json::parse(beast::buffers_to_string(buffer.data()));
      buffer.consume(buffer.size());
      const std::string type = event.value("type", "");
      if (type == "card.inserted" || type == "card.removed") {
        std::printf("%s %s\n", type.c_str(), event["data"].value("reader", "").c_str());
        std::fflush(stdout);
      }
    }
  } catch (const std::exception& error) {
    std::fprintf(stderr, "ws_observer: %s\n", error.what());
    return 1;
  }
}
