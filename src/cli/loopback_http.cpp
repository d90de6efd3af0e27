#include "loopback_http.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

namespace hcbridge::cli {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

constexpr std::uint64_t kMaxBodyBytes = 1024 * 1024;  // /v1/status is small

std::string describe(const beast::error_code& failure, std::chrono::milliseconds timeout) {
  if (failure == beast::error::timeout) {
    return "no answer within " + std::to_string(timeout.count()) + " ms";
  }
  // Beast's parser refusals (bad version, bad status, ...) and a peer that
  // closes without an answer: something else holds the port.
  if (failure.category() == beast::error_code(http::error::bad_version).category()) {
    return "the answer is not HTTP: " + failure.message();
  }
  return failure.message();
}

}  // namespace

std::optional<HttpAnswer> loopbackGet(std::uint16_t port, const std::string& target,
                                      std::chrono::milliseconds timeout, std::string& error) {
  asio::io_context io;
  beast::tcp_stream stream(io);
  http::request<http::empty_body> request{http::verb::get, target, 11};
  request.set(http::field::host, "127.0.0.1:" + std::to_string(port));
  request.set(http::field::connection, "close");
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(kMaxBodyBytes);
  beast::error_code failure;

  // One deadline for connect, write and read: the stream's expiry applies
  // to asynchronous operations only, hence the chain.
  stream.expires_after(timeout);
  const asio::ip::tcp::endpoint service(asio::ip::address_v4::loopback(), port);
  stream.async_connect(service, [&](beast::error_code connected) {
    if (connected) {
      failure = connected;
      return;
    }
    http::async_write(stream, request, [&](beast::error_code written, std::size_t) {
      if (written) {
        failure = written;
        return;
      }
      http::async_read(stream, buffer, parser,
                       [&](beast::error_code read, std::size_t) { failure = read; });
    });
  });
  io.run();
  if (failure) {
    error = describe(failure, timeout);
    return std::nullopt;
  }
  const auto& response = parser.get();
  return HttpAnswer{static_cast<int>(response.result_int()),
                    std::string(response[http::field::content_type]), response.body()};
}

}  // namespace hcbridge::cli
