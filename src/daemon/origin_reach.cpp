#include "origin_reach.hpp"

#include "hcbridge/auth/tokens.hpp"
#include "hcbridge/error.hpp"

namespace hcbridge::daemon {

bool isPlainHttpRemoteOrigin(std::string_view origin) {
  if (!origin.starts_with("http://")) return false;
  // auth::checkOrigin holds the one loopback rule: of the well-formed
  // origins, it refuses exactly the http ones whose host is not loopback.
  try {
    auth::checkOrigin(origin);
    return false;
  } catch (const Error&) {
    return true;
  }
}

bool isLoopbackHttpOrigin(std::string_view origin) {
  return origin.starts_with("http://") && !isPlainHttpRemoteOrigin(origin);
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
