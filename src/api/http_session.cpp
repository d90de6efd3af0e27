#include "http_session.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include "hcbridge/api/problem.hpp"
#include "hcbridge/secret.hpp"
#include "peer_user.hpp"
#include "response_wire.hpp"
#include "websocket_session.hpp"
#include "wiped_memory.hpp"

namespace hcbridge::api::detail {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;

namespace {
constexpr std::size_t kKeptWireCapacity = 64 * 1024;
}  // namespace

HttpSession::HttpSession(net::ip::tcp::socket socket, std::shared_ptr<ServerCore> core,
                         ConnectionSlot slot)
    : executor_(socket.get_executor()),
      stream_(std::move(socket)),
      core_(std::move(core)),
      slot_(std::move(slot)),
      peerUid_(loopbackPeerUid(stream_.socket())) {}

void HttpSession::run() {
  net::dispatch(executor_, [self = shared_from_this()] { self->readHeader(); });
}

void HttpSession::refuseOverCapacity() {
  net::dispatch(executor_, [self = shared_from_this()] {
    self->started_ = std::chrono::steady_clock::now();
    const Problem problem = Problem::of(ApiProblem::TooManyConnections,
                                        "the service has reached its connection limit; retry "
                                        "after closing idle connections");
    self->write(problem.toResponse(), "-", false);
  });
}

void HttpSession::shutdown() {
  net::post(executor_, [self = shared_from_this()] {
    // A request in flight is answered first; onWrite then sees stopping().
    if (!self->busy_) self->close();
  });
}

void HttpSession::readHeader() {
  if (core_->stopping()) return close();
  const Limits& limits = core_->limits();
  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(limits.maxHeaderBytes));
  parser_->body_limit(limits.maxBodyBytes);
  // Covers keep-alive idle time and the whole header: a client trickling
  // bytes cannot hold the slot longer than this.
  stream_.expires_after(limits.headerTimeout);
  http::async_read_header(
      stream_, buffer_, *parser_,
      [self = shared_from_this()](beast::error_code ec, std::size_t) { self->onHeader(ec); });
}

void HttpSession::onHeader(beast::error_code ec) {
  if (answerReadError(ec)) return;
  busy_ = true;
  started_ = std::chrono::steady_clock::now();
  if (beast::websocket::is_upgrade(parser_->get())) return upgrade();
  if (parser_->is_done()) return onBody({});
  stream_.expires_after(core_->limits().bodyTimeout);
  http::async_read(stream_, buffer_, *parser_,
                   [self = shared_from_this()](beast::error_code readError, std::size_t) {
                     self->onBody(readError);
                   });
}

void HttpSession::onBody(beast::error_code ec) {
  if (answerReadError(ec)) return;
  handleRequest();
}

// True when the read failed: answers what deserves an answer, else closes.
bool HttpSession::answerReadError(beast::error_code ec) {
  if (!ec) return false;
  busy_ = true;
  started_ = std::chrono::steady_clock::now();
  if (ec == http::error::header_limit) {
    write(Problem::of(ApiProblem::HeadersTooLarge,
                      "the request line and header fields exceed " +
                          std::to_string(core_->limits().maxHeaderBytes) + " bytes")
              .toResponse(),
          "-", false);
  } else if (ec == http::error::body_limit) {
    write(Problem::of(ApiProblem::RequestTooLarge,
                      "the body exceeds " + std::to_string(core_->limits().maxBodyBytes) + " bytes")
              .toResponse(),
          "-", false);
  } else if (ec.category() == http::make_error_code(http::error::bad_target).category() &&
             ec != http::error::end_of_stream && ec != http::error::partial_message) {
    write(
        Problem::of(Errc::BadRequest, "malformed HTTP request (" + ec.message() + ")").toResponse(),
        "-", false);
  } else {
    // Peer closed, idle keep-alive expired, timeout mid-request: nothing to say.
    if (ec == beast::error::timeout && parser_ && parser_->got_some()) {
      core_->log("http connection closed: request not received within the timeout");
    }
    close();
  }
  return true;
}

void HttpSession::handleRequest() {
  Request request = toApiRequest(parser_->get());
  request.peerUid = peerUid_;
  const bool keepAlive = parser_->get().keep_alive();
  // The body may hold a PIN. Beast's copy and the read buffer it was read
  // into are wiped now; the request's copy once the router, synchronous up
  // to the backend call, has taken the PIN out of it (pin_field.hpp).
  if (!parser_->get().body().empty()) {
    wipe(parser_->get().body());
    wipeConsumed(buffer_);
  }
  Admission admission = core_->handler().admit(request);
  if (!admission.caller) {
    wipeString(request.body);
    return write(admission.response, admission.logCaller, keepAlive);
  }
  if (!holdCallerSlot(*admission.caller)) return wipeString(request.body);
  stream_.expires_never();  // the backend may take seconds; the client waits for us
  // The handler may complete on a backend thread: come back to the network thread.
  // The work guard keeps io_context::run() going while the backend works,
  // and no longer once it answered: a copy of the handler kept by a backend
  // job that never ends (a hung PKCS#11 module, answered by its watchdog)
  // must not keep the service from stopping. The session moves into the
  // posted write, so the backend thread never holds the last reference to
  // it: it is destroyed on the network thread.
  auto work = std::make_shared<net::executor_work_guard<net::any_io_executor>>(executor_);
  core_->handler().route(
      request, std::move(admission),
      [work, self = shared_from_this(), keepAlive](HandledRequest handled) mutable {
        auto executor = self->executor_;
        net::post(executor, [self = std::move(self), keepAlive, handled = std::move(handled)] {
          self->write(handled.response, handled.caller, keepAlive);
        });
        work->reset();  // the posted write is work of its own until it runs
      });
  wipeString(request.body);
}

bool HttpSession::holdCallerSlot(const Caller& caller) {
  const std::string identity = caller.identity();
  if (callerSlot_.caller() == identity) return true;
  callerSlot_ = CallerSlot();  // a connection counts for the caller of its latest request
  if (auto slot = core_->tryOpenCallerSlot(identity)) {
    callerSlot_ = std::move(*slot);
    return true;
  }
  const std::string cap = std::to_string(core_->limits().maxConnectionsPerCaller);
  core_->log("connection refused: " + identity + " holds " + cap + " connections");
  write(Problem::of(ApiProblem::TooManyConnections,
                    identity + " already holds " + cap +
                        " connections, the most one caller may hold; close its idle "
                        "connections and WebSockets, or raise limits.max_connections_per_caller "
                        "in " +
                        core_->handler().policy().configPath)
            .toResponse(),
        identity, false);
  return false;
}

void HttpSession::upgrade() {
  Request request = toApiRequest(parser_->get());
  request.peerUid = peerUid_;
  Admission admission = core_->handler().admit(request);
  if (!admission.caller) return write(admission.response, admission.logCaller, false);
  const std::string path = request.target.substr(0, request.target.find('?'));
  if (path != "/v1/events" || request.method != "GET") {
    return write(Problem::of(ApiProblem::NotFound, "WebSocket is served at GET /v1/events only")
                     .toResponse(),
                 admission.logCaller, false);
  }
  if (!holdCallerSlot(*admission.caller)) return;
  core_->log("ws " + targetForLog(request.target) + " 101 " + admission.logCaller);
  upgraded_ = true;
  auto session = std::make_shared<WebSocketSession>(std::move(stream_), core_, std::move(slot_),
                                                    std::move(callerSlot_), admission.logCaller);
  core_->track(session);
  session->start(parser_->release());
}

void HttpSession::write(const Response& response, const std::string& caller, bool keepAlive) {
  const bool keep = keepAlive && !core_->stopping();
  const unsigned version = parser_ ? parser_->get().version() : 11;
  responseWire(response, version, keep, wire_);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - started_)
                      .count();
  const std::string method = parser_ && parser_->is_header_done()
                                 ? std::string(parser_->get().method_string())
                                 : std::string("-");
  const std::string target = parser_ && parser_->is_header_done()
                                 ? targetForLog(std::string(parser_->get().target()))
                                 : std::string("-");
  core_->log("http " + method + " " + target + " " + std::to_string(response.status) + " " +
             std::to_string(ms) + "ms " + caller +
             (response.logNote.empty() ? "" : " " + response.logNote));
  stream_.expires_after(core_->limits().bodyTimeout);  // a client that does not read
  net::async_write(stream_, net::buffer(wire_),
                   [self = shared_from_this(), keep](beast::error_code ec, std::size_t) {
                     self->onWrite(ec, keep);
                   });
}

void HttpSession::onWrite(beast::error_code ec, bool keepAlive) {
  busy_ = false;
  // The answer may hold patient data: wiped once sent. The buffer stays for
  // the next answer unless an unusually large one grew it.
  wipeString(wire_);
  if (wire_.capacity() > kKeptWireCapacity) std::string().swap(wire_);
  if (ec) return close();
  if (!keepAlive || core_->stopping()) return drainThenClose();
  readHeader();
}

// Closing with unread request bytes (e.g. the rest of an oversized body)
// would send a reset that can destroy the answer just written: send FIN,
// then read and discard for a short while before closing.
void HttpSession::drainThenClose() {
  beast::error_code ignored;
  stream_.socket().shutdown(net::ip::tcp::socket::shutdown_send, ignored);
  stream_.expires_after(std::chrono::seconds(1));
  stream_.async_read_some(net::buffer(drainBuffer_),
                          [self = shared_from_this()](beast::error_code ec, std::size_t bytes) {
                            self->onDrain(ec, bytes);
                          });
}

void HttpSession::onDrain(beast::error_code ec, std::size_t bytes) {
  drained_ += bytes;
  constexpr std::size_t kMaxDrained = 1024 * 1024;
  if (ec || drained_ > kMaxDrained) return close();
  stream_.async_read_some(
      net::buffer(drainBuffer_),
      [self = shared_from_this()](beast::error_code readError, std::size_t more) {
        self->onDrain(readError, more);
      });
}

void HttpSession::close() {
  if (upgraded_) return;
  beast::error_code ignored;
  stream_.socket().shutdown(net::ip::tcp::socket::shutdown_send, ignored);
  stream_.socket().close(ignored);
}

}  // namespace hcbridge::api::detail
