#include "peer_user.hpp"

#include <algorithm>

#include "hcbridge/base/tcp_diag.hpp"
#include "hcbridge/base/tcp_table.hpp"

namespace hcbridge::api::detail {
namespace {

base::TcpEndpoint toTableEndpoint(const boost::asio::ip::tcp::endpoint& endpoint) {
  base::TcpEndpoint out;
  out.port = endpoint.port();
  const boost::asio::ip::address address = endpoint.address();
  if (address.is_v4()) {
    out.address = base::ipv4Address(address.to_v4().to_bytes());
  } else {
    const auto bytes = address.to_v6().to_bytes();
    std::copy(bytes.begin(), bytes.end(), out.address.begin());
  }
  return out;
}

}  // namespace

std::optional<std::uint32_t> loopbackPeerUid(const boost::asio::ip::tcp::socket& socket) {
  boost::system::error_code localError;
  boost::system::error_code remoteError;
  const auto local = socket.local_endpoint(localError);
  const auto remote = socket.remote_endpoint(remoteError);
  if (localError || remoteError) return std::nullopt;
  const auto self = toTableEndpoint(local);
  const auto peer = toTableEndpoint(remote);
  const auto asked = base::tcpPeerOwnerByDiag(self, peer);
  if (asked.answered) return asked.uid;
  // No sock_diag here (e.g. a sandbox without netlink): the whole table.
  return base::tcpPeerOwner(base::readTcpTables(), self, peer);
}

}  // namespace hcbridge::api::detail
