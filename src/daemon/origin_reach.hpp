// Which allowed_origins entries a browser with Local Network Access (Chrome
// 142+, Firefox 153+) can let reach hcbridged. hcbridged, `hcbridge doctor`
// and `hcbridge browser-policy` all say it with the same words.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace hcbridge::daemon {

// An entry on plain http whose host is not loopback (isLoopbackOrigin).
// Such a page is not a secure context, so it can never be granted access
// to this device. Expects a well-formed origin (loadConfig checked it).
bool isPlainHttpRemoteOrigin(std::string_view origin);

// An origin whose host a browser counts as loopback, on http or https
// (isLoopbackHost). Browsers do
// not check such pages, so they need no policy; and Firefox's SkipDomains
// also matches the *target* host, so naming such a host there would let
// every web site reach every service on this device. Expects a
// well-formed origin.
bool isLoopbackOrigin(std::string_view origin);

// The host of a well-formed origin, without the port ("[::1]" keeps its brackets).
std::string originHost(std::string_view origin);
// localhost, *.localhost, ip6-localhost, ip6-loopback, localhost.localdomain,
// 127.0.0.0/8, 0.0.0.0/8, [::1], [::]: hosts that reach this machine by
// their name alone. (A host that /etc/hosts maps here is another matter:
// see browser-policy's local names.)
bool isLoopbackHost(std::string_view host);

// "allowed_origins entry 'http://x': a page on plain http from a non-local
// origin can never reach hcbridged in Chrome 142+/Firefox 153+: serve it over https"
std::string plainHttpOriginWarning(std::string_view origin);

// The entries of `origins` for which isPlainHttpRemoteOrigin holds, in order.
std::vector<std::string> plainHttpRemoteOrigins(const std::vector<std::string>& origins);

}  // namespace hcbridge::daemon
