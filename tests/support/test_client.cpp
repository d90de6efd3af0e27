#include "hcbridge_test/test_client.hpp"

#include <array>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <stdexcept>

#include "hcbridge/api/http_types.hpp"

namespace hcbridge::api::testing {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using net::ip::tcp;

namespace {

bool hasHost(const Headers& headers) {
  for (const auto& [name, value] : headers) {
    if (headerNameEquals(name, "Host")) return true;
  }
  return false;
}

HttpReply toReply(const http::response<http::string_body>& response) {
  HttpReply reply;
  reply.status = static_cast<int>(response.result_int());
  for (const auto& field : response) {
    reply.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  reply.body = response.body();
  return reply;
}

}  // namespace

std::optional<std::string> HttpReply::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (headerNameEquals(key, name)) return value;
  }
  return std::nullopt;
}

struct HttpClient::Impl {
  explicit Impl(std::uint16_t p) : port(p), stream(io) {
    stream.connect(tcp::endpoint(net::ip::address_v4::loopback(), port));
  }
  std::uint16_t port;
  net::io_context io;
  beast::tcp_stream stream;
  beast::flat_buffer buffer;
};

HttpClient::HttpClient(std::uint16_t port) : impl_(std::make_unique<Impl>(port)) {}
HttpClient::~HttpClient() = default;

HttpReply HttpClient::request(const std::string& method, const std::string& target,
                              const Headers& headers, const std::string& body) {
  http::request<http::string_body> request{http::string_to_verb(method), target, 11};
  if (request.method() == http::verb::unknown) request.method_string(method);
  if (!hasHost(headers)) request.set(http::field::host, "127.0.0.1:" + std::to_string(impl_->port));
  for (const auto& [name, value] : headers) request.insert(name, value);
  request.body() = body;
  if (!body.empty()) request.prepare_payload();
  impl_->stream.expires_after(std::chrono::seconds(10));
  http::write(impl_->stream, request);
  http::response_parser<http::string_body> parser;
  parser.body_limit(16 * 1024 * 1024);
  http::read(impl_->stream, impl_->buffer, parser);
  return toReply(parser.get());
}

void HttpClient::sendRaw(const std::string& bytes) {
  net::write(impl_->stream.socket(), net::buffer(bytes));
}

std::optional<std::string> HttpClient::readUntilClosed(std::chrono::milliseconds time) {
  impl_->stream.expires_after(time);
  std::string received = beast::buffers_to_string(impl_->buffer.data());
  std::array<char, 4096> chunk{};
  while (true) {
    beast::error_code ec;
    const std::size_t n = impl_->stream.read_some(net::buffer(chunk), ec);
    received.append(chunk.data(), n);
    if (ec == net::error::eof || ec == net::error::connection_reset) return received;
    if (ec) return std::nullopt;
  }
}

HttpReply fetch(std::uint16_t port, const std::string& method, const std::string& target,
                const Headers& headers, const std::string& body) {
  HttpClient client(port);
  return client.request(method, target, headers, body);
}

struct WsClient::Impl {
  net::io_context io;
  websocket::stream<beast::tcp_stream> ws{io};
  beast::flat_buffer buffer;
};

WsClient::WsClient(std::uint16_t port, const Headers& headers) : impl_(std::make_unique<Impl>()) {
  auto& lowest = beast::get_lowest_layer(impl_->ws);
  lowest.connect(tcp::endpoint(net::ip::address_v4::loopback(), port));
  impl_->ws.set_option(websocket::stream_base::decorator([headers](websocket::request_type& r) {
    for (const auto& [name, value] : headers) r.set(name, value);
  }));
  websocket::response_type response;
  beast::error_code ec;
  lowest.expires_after(std::chrono::seconds(5));
  impl_->ws.handshake(response, "127.0.0.1:" + std::to_string(port), "/v1/events", ec);
  if (ec) {
    throw std::runtime_error(std::to_string(response.result_int()));
  }
  lowest.expires_never();
}

WsClient::~WsClient() = default;

std::optional<std::string> WsClient::read(std::chrono::milliseconds timeout) {
  // A blocking read with a deadline: run the async read for at most timeout.
  beast::error_code result = net::error::would_block;
  impl_->buffer.clear();
  impl_->ws.async_read(impl_->buffer, [&](beast::error_code ec, std::size_t) { result = ec; });
  impl_->io.restart();
  impl_->io.run_for(timeout);
  if (result == net::error::would_block) {
    // Timed out: cancel by closing; the client is unusable afterwards.
    beast::get_lowest_layer(impl_->ws).socket().close();
    impl_->io.restart();
    impl_->io.run();
    return std::nullopt;
  }
  if (result) return std::nullopt;
  return beast::buffers_to_string(impl_->buffer.data());
}

int WsClient::closeCode() const {
  return static_cast<int>(impl_->ws.reason().code);
}

int websocketRefusalStatus(std::uint16_t port, const Headers& headers) {
  // The upgrade request by hand: Beast's client reports a refusal only as an error.
  Headers upgrade = {{"Upgrade", "websocket"},
                     {"Connection", "Upgrade"},
                     {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="},
                     {"Sec-WebSocket-Version", "13"}};
  upgrade.insert(upgrade.end(), headers.begin(), headers.end());
  const HttpReply reply = fetch(port, "GET", "/v1/events", upgrade);
  return reply.status == 101 ? 0 : reply.status;
}

}  // namespace hcbridge::api::testing
