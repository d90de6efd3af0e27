// Which allowed_origins entries a browser with Local Network Access (Chrome
// 142+, Firefox 153+) can let reach hcbridged. hcbridged, `hcbridge doctor`
// and `hcbridge browser-policy` all say it with the same words.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace hcbridge::daemon {

// An entry on plain http whose host is not loopback (localhost, 127.0.0.1,
// [::1]). Such a page is public to the browser and not a secure context, so
// it can never be granted access to this device. Expects a well-formed
// origin (loadConfig checked it).
bool isPlainHttpRemoteOrigin(std::string_view origin);

// http://localhost[:port], http://127.0.0.1[:port], http://[::1][:port]:
// browsers do not check pages served from loopback.
bool isLoopbackHttpOrigin(std::string_view origin);

// "allowed_origins entry 'http://x': a page on plain http from a non-local
// origin can never reach hcbridged in Chrome 142+/Firefox 153+: serve it over https"
std::string plainHttpOriginWarning(std::string_view origin);

// The entries of `origins` for which isPlainHttpRemoteOrigin holds, in order.
std::vector<std::string> plainHttpRemoteOrigins(const std::vector<std::string>& origins);

}  // namespace hcbridge::daemon
