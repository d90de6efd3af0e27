#include "hcbridge/base/tcp_table.hpp"

#include <charconv>
#include <cstring>
#include <fstream>
#include <sstream>

namespace hcbridge::base {
namespace {

// The next whitespace-separated field of `rest`, which is advanced past it.
std::string_view nextField(std::string_view& rest) {
  const std::size_t start = rest.find_first_not_of(" \t");
  if (start == std::string_view::npos) {
    rest = {};
    return {};
  }
  rest.remove_prefix(start);
  const std::size_t end = rest.find_first_of(" \t");
  const std::string_view field = rest.substr(0, end);
  rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end);
  return field;
}

template <typename Unsigned>
bool parseNumber(std::string_view text, int base, Unsigned& out) {
  if (text.empty()) return false;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out, base);
  return error == std::errc() && end == text.data() + text.size();
}

// The kernel prints each 32-bit word of the address as the hex of its value
// in host byte order ("0100007F" is 127.0.0.1 on little-endian machines), so
// the word's bytes in memory are the address's bytes in network order.
bool parseEndpoint(std::string_view text, TcpEndpoint& out) {
  const std::size_t colon = text.find(':');
  if (colon == std::string_view::npos) return false;
  const std::string_view address = text.substr(0, colon);
  if (address.size() != 8 && address.size() != 32) return false;
  std::uint8_t bytes[16] = {};
  for (std::size_t word = 0; word < address.size() / 8; ++word) {
    std::uint32_t value = 0;
    if (!parseNumber(address.substr(word * 8, 8), 16, value)) return false;
    std::memcpy(bytes + word * 4, &value, 4);
  }
  if (address.size() == 8) {
    out.address = ipv4Address({bytes[0], bytes[1], bytes[2], bytes[3]});
  } else {
    std::memcpy(out.address.data(), bytes, 16);
  }
  return parseNumber(text.substr(colon + 1), 16, out.port);
}

std::optional<TcpSocketRow> parseRow(std::string_view line) {
  // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
  TcpSocketRow row;
  std::string_view rest = line;
  nextField(rest);  // sl
  if (!parseEndpoint(nextField(rest), row.local) || !parseEndpoint(nextField(rest), row.remote) ||
      !parseNumber(nextField(rest), 16, row.state)) {
    return std::nullopt;
  }
  nextField(rest);  // queues
  nextField(rest);  // timer
  nextField(rest);  // retransmits
  if (!parseNumber(nextField(rest), 10, row.uid)) return std::nullopt;
  nextField(rest);  // timeout
  if (!parseNumber(nextField(rest), 10, row.inode)) return std::nullopt;
  return row;
}

std::string readWhole(const char* path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

IpAddress ipv4Address(const std::array<std::uint8_t, 4>& bytes) {
  IpAddress address{};
  address[10] = 0xFF;
  address[11] = 0xFF;
  std::memcpy(address.data() + 12, bytes.data(), 4);
  return address;
}

std::vector<TcpSocketRow> parseTcpTable(std::string_view text) {
  std::vector<TcpSocketRow> rows;
  bool header = true;
  while (!text.empty()) {
    const std::size_t newline = text.find('\n');
    const std::string_view line = text.substr(0, newline);
    text = newline == std::string_view::npos ? std::string_view{} : text.substr(newline + 1);
    if (header) {
      header = false;
      continue;
    }
    if (auto row = parseRow(line)) rows.push_back(*row);
  }
  return rows;
}

// /proc/self/net rather than /proc/net: the same tables (this process's
// network namespace), still visible when /proc is mounted subset=pid
// (systemd's ProcSubset=pid).
std::vector<TcpSocketRow> readTcpTables() {
  std::vector<TcpSocketRow> rows = parseTcpTable(readWhole("/proc/self/net/tcp"));
  for (const TcpSocketRow& row : parseTcpTable(readWhole("/proc/self/net/tcp6"))) {
    rows.push_back(row);
  }
  return rows;
}

std::optional<std::uint32_t> tcpPeerOwner(const std::vector<TcpSocketRow>& rows,
                                          const TcpEndpoint& self, const TcpEndpoint& peer) {
  for (const TcpSocketRow& row : rows) {
    // Established only: a closed socket of another user in TIME_WAIT may
    // still list the same ends (with uid 0).
    if (row.state == kTcpEstablished && row.local == peer && row.remote == self) return row.uid;
  }
  return std::nullopt;
}

}  // namespace hcbridge::base
