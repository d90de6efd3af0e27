#include "origin_reach.hpp"

#include <algorithm>

namespace hcbridge::daemon {

bool isPlainHttpRemoteOrigin(std::string_view origin) {
  return origin.starts_with("http://") && !isLoopbackOrigin(origin);
}

namespace {

// Four dotted numbers whose first is `first` (loadConfig checked the form).
bool isIpv4In(std::string_view host, std::string_view first) {
  return host.starts_with(std::string(first) + ".") &&
         std::count(host.begin(), host.end(), '.') == 3 &&
         host.find_first_not_of("0123456789.") == std::string_view::npos;
}

}  // namespace

std::string originHost(std::string_view origin) {
  std::string_view host = origin.substr(origin.find("://") + 3);
  if (host.starts_with("[")) return std::string(host.substr(0, host.find(']') + 1));
  return std::string(host.substr(0, host.find(':')));
}

bool isLoopbackHost(std::string_view host) {
  // Debian's /etc/hosts names for ::1 and 127.0.0.1 besides localhost.
  for (const char* name : {"localhost", "ip6-localhost", "ip6-loopback", "localhost.localdomain"}) {
    if (host == name) return true;
  }
  // 0.0.0.0/8 reaches this machine too (Linux connects it to loopback).
  return host.ends_with(".localhost") || host == "[::1]" || host == "[::]" ||
         isIpv4In(host, "127") || isIpv4In(host, "0");
}

bool isLoopbackOrigin(std::string_view origin) {
  return isLoopbackHost(originHost(origin));
}

std::string plainHttpOriginWarning(std::string_view origin) {
  return "allowed_origins entry '" + std::string(origin) +
         "': a page on plain http from a non-local origin can never reach hcbridged in Chrome "
         "142+/Firefox 153+: serve it over https";
}

std::vector<std::string> plainHttpRemoteOrigins(const std::vector<std::string>& origins) {
  std::vector<std::string> found;
  for (const auto& origin : origins) {
    if (isPlainHttpRemoteOrigin(origin)) found.push_back(origin);
  }
  return found;
}

}  // namespace hcbridge::daemon
