#include "origin_reach.hpp"

#include <algorithm>

namespace hcbridge::daemon {

bool isPlainHttpRemoteOrigin(std::string_view origin) {
  return origin.starts_with("http://") && !isLoopbackOrigin(origin);
}

bool isLoopbackOrigin(std::string_view origin) {
  std::string_view host = origin.substr(origin.find("://") + 3);
  if (host.starts_with("[")) return host.starts_with("[::1]");
  host = host.substr(0, host.find(':'));
  const auto endsWith = [&](std::string_view tail) { return host.ends_with(tail); };
  if (host == "localhost" || endsWith(".localhost")) return true;
  // 127.0.0.0/8: four dotted numbers starting with 127 (loadConfig checked the form).
  return host.starts_with("127.") && std::count(host.begin(), host.end(), '.') == 3 &&
         host.find_first_not_of("0123456789.") == std::string_view::npos;
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
