// Which local user's process is at the other end of a loopback connection:
// the practitioner session belongs to the user who opened it (a terminal
// server runs several users' browsers on one machine).
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <optional>

namespace hcbridge::api::detail {

// The peer socket's owner from the kernel's TCP table; nullopt when it is
// not listed (another network namespace) or the socket is already closed.
std::optional<std::uint32_t> loopbackPeerUid(const boost::asio::ip::tcp::socket& socket);

}  // namespace hcbridge::api::detail
