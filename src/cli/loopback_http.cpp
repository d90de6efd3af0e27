#include "loopback_http.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>

namespace hcbridge::cli {
namespace {

// Closes the socket on every return path.
class Socket {
 public:
  Socket() : fd_(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {}
  ~Socket() {
    if (fd_ >= 0) close(fd_);
  }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
};

bool waitFor(int fd, short events, std::chrono::milliseconds timeout) {
  pollfd descriptor{fd, events, 0};
  return poll(&descriptor, 1, static_cast<int>(timeout.count())) == 1;
}

std::string lowerCase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

}  // namespace

std::optional<HttpAnswer> parseHttpAnswer(const std::string& response) {
  const std::size_t headerEnd = response.find("\r\n\r\n");
  if (!response.starts_with("HTTP/1.") || headerEnd == std::string::npos || response.size() < 12) {
    return std::nullopt;
  }
  // "HTTP/1.x NNN": exactly three digits at offset 9.
  const std::string code = response.substr(9, 3);
  if (!std::all_of(code.begin(), code.end(), [](unsigned char c) { return std::isdigit(c); })) {
    return std::nullopt;
  }
  HttpAnswer answer;
  answer.status = std::stoi(code);
  std::size_t at = response.find("\r\n") + 2;
  while (at < headerEnd) {
    const std::size_t end = response.find("\r\n", at);
    const std::string line = response.substr(at, end - at);
    const std::size_t colon = line.find(':');
    if (colon != std::string::npos && lowerCase(line.substr(0, colon)) == "content-type") {
      const std::size_t value = line.find_first_not_of(' ', colon + 1);
      answer.contentType = value == std::string::npos ? "" : line.substr(value);
    }
    at = end + 2;
  }
  answer.body = response.substr(headerEnd + 4);
  return answer;
}

std::optional<HttpAnswer> loopbackGet(std::uint16_t port, const std::string& target,
                                      std::chrono::milliseconds timeout, std::string& error) {
  Socket socket;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (socket.fd() < 0 ||
      connect(socket.fd(), reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    error = std::strerror(errno);
    return std::nullopt;
  }
  // HTTP/1.0 and Connection: close: the server closes after the answer, so
  // reading to the end needs no Content-Length or chunked decoding.
  const std::string request = "GET " + target +
                              " HTTP/1.0\r\nHost: 127.0.0.1:" + std::to_string(port) +
                              "\r\nConnection: close\r\n\r\n";
  if (send(socket.fd(), request.data(), request.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(request.size())) {
    error = std::strerror(errno);
    return std::nullopt;
  }
  std::string response;
  char buffer[4096];
  for (;;) {
    if (!waitFor(socket.fd(), POLLIN, timeout)) {
      error = "no answer within " + std::to_string(timeout.count()) + " ms";
      return std::nullopt;
    }
    const ssize_t n = recv(socket.fd(), buffer, sizeof buffer, 0);
    if (n < 0) {
      error = std::strerror(errno);
      return std::nullopt;
    }
    if (n == 0) break;
    response.append(buffer, static_cast<std::size_t>(n));
    if (response.size() > 1024 * 1024) break;  // /v1/status is small; stop a runaway peer
  }
  auto answer = parseHttpAnswer(response);
  if (!answer) error = "the answer is not HTTP";
  return answer;
}

}  // namespace hcbridge::cli
