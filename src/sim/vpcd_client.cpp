// VpcdClient: serves a simulated card to the vsmartcard vpcd driver over TCP.
// One thread per client; poll() on the socket and a self-pipe so remove()
// wakes it at once, whatever it is waiting for.
#include "hcbridge/sim/vpcd_client.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/crypto.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <mutex>

#include "hcbridge/error.hpp"

namespace hcbridge::sim {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr milliseconds kFirstBackoff{50};
constexpr milliseconds kMaxBackoff{1000};
constexpr int kConnectTimeoutMs = 5000;

// Control messages of the vpcd protocol (1-byte payloads).
constexpr std::uint8_t kPowerOff = 0x00;
constexpr std::uint8_t kPowerOn = 0x01;
constexpr std::uint8_t kReset = 0x02;
constexpr std::uint8_t kGetAtr = 0x04;

enum class Outcome { Stopped, PeerClosed, Pulled };

// poll() that restarts after EINTR with the remaining time (-1 = forever).
int pollRetry(pollfd* fds, nfds_t count, int timeoutMs) {
  const auto deadline = Clock::now() + milliseconds(std::max(timeoutMs, 0));
  for (;;) {
    const int result = ::poll(fds, count, timeoutMs);
    if (result >= 0 || errno != EINTR) return result;
    if (timeoutMs >= 0) {
      const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
      timeoutMs = static_cast<int>(std::max<long long>(left, 0));
    }
  }
}

}  // namespace

struct VpcdClient::Impl {
  std::shared_ptr<Card> card;
  std::string host;
  std::uint16_t port = 0;

  std::mutex control;  // serializes insert() / remove()
  std::thread thread;
  int wakeRead = -1;
  int wakeWrite = -1;
  std::atomic<bool> stopping{false};
  std::atomic<bool> finished{false};
  std::atomic<std::size_t> pullAfter{0};

  mutable std::mutex stateMutex;
  mutable std::condition_variable stateChanged;
  std::atomic<bool> isConnected{false};

  ~Impl() { closePipe(); }

  void setConnected(bool value) {
    {
      std::lock_guard lock(stateMutex);
      isConnected = value;
    }
    stateChanged.notify_all();
  }

  void closePipe() {
    if (wakeRead >= 0) ::close(wakeRead);
    if (wakeWrite >= 0) ::close(wakeWrite);
    wakeRead = wakeWrite = -1;
  }

  // Sleeps up to `duration`; true when remove() asked us to stop.
  bool sleepUnlessWoken(milliseconds duration) const {
    if (stopping) return true;
    pollfd wake{wakeRead, POLLIN, 0};
    pollRetry(&wake, 1, static_cast<int>(duration.count()));
    return stopping.load();
  }

  // One TCP connection attempt; -1 on failure or when stopping.
  int connectOnce() const {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* addresses = nullptr;
    const std::string service = std::to_string(port);
    if (::getaddrinfo(host.c_str(), service.c_str(), &hints, &addresses) != 0) return -1;
    int connectedFd = -1;
    for (addrinfo* address = addresses; address != nullptr && connectedFd < 0 && !stopping;
         address = address->ai_next) {
      const int fd =
          ::socket(address->ai_family, address->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
                   address->ai_protocol);
      if (fd < 0) continue;
      if (finishConnect(fd, address)) {
        connectedFd = fd;
      } else {
        ::close(fd);
      }
    }
    ::freeaddrinfo(addresses);
    if (connectedFd >= 0) {
      const int one = 1;
      ::setsockopt(connectedFd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    return connectedFd;
  }

  bool finishConnect(int fd, const addrinfo* address) const {
    if (::connect(fd, address->ai_addr, address->ai_addrlen) == 0) return true;
    if (errno != EINPROGRESS && errno != EINTR) return false;
    pollfd fds[2] = {{fd, POLLOUT, 0}, {wakeRead, POLLIN, 0}};
    if (pollRetry(fds, 2, kConnectTimeoutMs) <= 0 || (fds[1].revents & POLLIN) != 0) return false;
    int error = 0;
    socklen_t length = sizeof error;
    return ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) == 0 && error == 0;
  }

  // Writes everything, waiting for the socket as needed; false on error/stop.
  bool writeAll(int fd, ByteView bytes) const {
    std::size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t written = ::send(fd, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
      if (written > 0) {
        done += static_cast<std::size_t>(written);
        continue;
      }
      if (written < 0 && errno == EINTR) continue;
      if (written < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        pollfd fds[2] = {{fd, POLLOUT, 0}, {wakeRead, POLLIN, 0}};
        if (pollRetry(fds, 2, -1) < 0 || (fds[1].revents & POLLIN) != 0) return false;
        continue;
      }
      return false;
    }
    return true;
  }

  bool sendMessage(int fd, Bytes payload) const {
    if (payload.size() > 0xFFFF) payload = {0x6F, 0x00};  // cannot be framed
    Bytes message;
    message.reserve(payload.size() + 2);
    message.push_back(static_cast<std::uint8_t>(payload.size() >> 8));
    message.push_back(static_cast<std::uint8_t>(payload.size() & 0xFF));
    message.insert(message.end(), payload.begin(), payload.end());
    return writeAll(fd, message);
  }

  // Answers vpcd until it closes, remove() is called or the card is pulled.
  Outcome serve(int fd) {
    std::uint8_t chunk[4096];
    // Received bytes may hold PINs: one allocation big enough for any message
    // (no copies left behind by growth), wiped when we leave.
    Bytes buffer;
    buffer.reserve(2 + 0xFFFF + sizeof chunk);
    struct Wipe {
      Bytes& bytes;
      ~Wipe() { OPENSSL_cleanse(bytes.data(), bytes.size()); }
    } wipe{buffer};
    std::size_t apdus = 0;
    for (;;) {
      pollfd fds[2] = {{fd, POLLIN, 0}, {wakeRead, POLLIN, 0}};
      if (pollRetry(fds, 2, -1) < 0) return Outcome::PeerClosed;
      if ((fds[1].revents & POLLIN) != 0 || stopping) return Outcome::Stopped;
      if (fds[0].revents == 0) continue;
      const ssize_t got = ::recv(fd, chunk, sizeof chunk, 0);
      if (got == 0) return Outcome::PeerClosed;
      // vpcd writes the length and the APDU in two sends: acknowledge at once,
      // or delayed ACK + Nagle on its side hold each APDU back ~40 ms.
      // (Linux resets quick-ACK mode by itself, so it is set after every read.)
      const int quickAck = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &quickAck, sizeof quickAck);
      if (got < 0) {
        if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;
        return Outcome::PeerClosed;
      }
      buffer.insert(buffer.end(), chunk, chunk + got);
      OPENSSL_cleanse(chunk, static_cast<std::size_t>(got));  // may hold a PIN

      std::size_t used = 0;
      while (buffer.size() - used >= 2) {
        const std::size_t length = (std::size_t{buffer[used]} << 8) | buffer[used + 1];
        if (buffer.size() - used - 2 < length) break;  // wait for the rest
        const ByteView payload(buffer.data() + used + 2, length);
        used += 2 + length;
        if (length == 1) {
          switch (payload[0]) {
            case kPowerOff:
            case kPowerOn:
            case kReset:
              card->reset();  // no answer expected
              break;
            case kGetAtr:
              if (!sendMessage(fd, card->atr())) return Outcome::PeerClosed;
              break;
            default:
              break;  // unknown control byte: ignored, as vpcd expects no answer
          }
          continue;
        }
        if (length == 0) continue;
        ++apdus;
        const std::size_t pullAt = pullAfter.load();
        if (pullAt != 0 && apdus >= pullAt) {
          pullAfter = 0;
          return Outcome::Pulled;  // the card leaves before answering
        }
        if (!sendMessage(fd, card->process(payload))) return Outcome::PeerClosed;
      }
      OPENSSL_cleanse(buffer.data(), used);
      buffer.erase(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(used));
    }
  }

  void run() {
    milliseconds backoff = kFirstBackoff;
    while (!stopping) {
      const int fd = connectOnce();
      if (fd < 0) {
        if (sleepUnlessWoken(backoff)) break;
        backoff = std::min(backoff * 2, kMaxBackoff);
        continue;
      }
      backoff = kFirstBackoff;
      setConnected(true);
      const Outcome outcome = serve(fd);
      ::close(fd);
      setConnected(false);
      if (outcome != Outcome::PeerClosed) break;
      // vpcd went away (e.g. pcscd restarting): keep trying to come back.
      if (sleepUnlessWoken(backoff)) break;
    }
    finished = true;
  }
};

VpcdClient::VpcdClient(std::shared_ptr<Card> card, std::string host, std::uint16_t port)
    : impl_(std::make_unique<Impl>()) {
  if (!card) throw Error(Errc::BadRequest, "VpcdClient needs a card");
  impl_->card = std::move(card);
  impl_->host = std::move(host);
  impl_->port = port;
}

VpcdClient::~VpcdClient() {
  remove();
}

void VpcdClient::insert() {
  std::lock_guard lock(impl_->control);
  if (impl_->thread.joinable()) {
    if (!impl_->finished) return;  // already serving or trying to
    impl_->thread.join();          // a pulled card: insert it again
    impl_->closePipe();
  }
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) {
    throw Error(Errc::Internal, "cannot create a pipe for the vpcd client");
  }
  impl_->wakeRead = fds[0];
  impl_->wakeWrite = fds[1];
  impl_->stopping = false;
  impl_->finished = false;
  impl_->thread = std::thread([impl = impl_.get()] { impl->run(); });
}

void VpcdClient::remove() {
  std::lock_guard lock(impl_->control);
  if (!impl_->thread.joinable()) return;
  impl_->stopping = true;
  const std::uint8_t wake = 1;
  ssize_t written = 0;
  do {
    written = ::write(impl_->wakeWrite, &wake, 1);
  } while (written < 0 && errno == EINTR);
  impl_->thread.join();
  impl_->closePipe();
  impl_->setConnected(false);
}

bool VpcdClient::connected() const {
  return impl_->isConnected;
}

bool VpcdClient::waitConnected(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(impl_->stateMutex);
  return impl_->stateChanged.wait_for(lock, timeout, [&] { return impl_->isConnected.load(); });
}

void VpcdClient::pullAfterApdus(std::size_t n) {
  impl_->pullAfter = n;
}

const std::shared_ptr<Card>& VpcdClient::card() const {
  return impl_->card;
}

}  // namespace hcbridge::sim
