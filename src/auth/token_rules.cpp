// The input rules of a Web eID login: the challenge nonce and the origin.
#include <algorithm>
#include <string>

#include "hcbridge/auth/tokens.hpp"
#include "hcbridge/error.hpp"

namespace hcbridge::auth {
namespace {

constexpr std::size_t kMinNonceLength = 44;  // base64 of 32 bytes
constexpr std::size_t kMaxNonceLength = 128;
constexpr std::size_t kMaxOriginLength = 255;

bool isBase64Character(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '/' || c == '-' || c == '_' || c == '=';
}

bool isDigit(char c) {
  return c >= '0' && c <= '9';
}

[[noreturn]] void originError(std::string_view origin, const std::string& why) {
  // The origin is echoed only when it is short and printable, so a log line
  // stays readable whatever a client sends.
  const bool printable =
      origin.size() <= kMaxOriginLength &&
      std::all_of(origin.begin(), origin.end(), [](char c) { return c >= 0x21 && c <= 0x7E; });
  throw Error(
      Errc::OriginInvalid,
      (printable ? "The origin '" + std::string(origin) + "' " : std::string("The origin ")) + why,
      "Give the origin exactly as the browser sends it: https://host or "
      "https://host:port (http only for localhost), lower case, nothing after the host "
      "and port.");
}

// A DNS name as browsers serialise it: lower-case labels of letters, digits,
// '-' and '_' (browsers accept it), 1..63 characters, no empty label.
bool isHostName(std::string_view host) {
  if (host.empty()) return false;
  std::size_t labelLength = 0;
  for (const char c : host) {
    if (c == '.') {
      if (labelLength == 0) return false;
      labelLength = 0;
      continue;
    }
    const bool allowed = (c >= 'a' && c <= 'z') || isDigit(c) || c == '-' || c == '_';
    if (!allowed || ++labelLength > 63) return false;
  }
  return labelLength > 0;
}

bool isIpv6Literal(std::string_view host) {
  if (host.size() < 4 || host.front() != '[' || host.back() != ']') return false;
  const std::string_view inside = host.substr(1, host.size() - 2);
  return inside.find(':') != std::string_view::npos &&
         std::all_of(inside.begin(), inside.end(), [](char c) {
           return isDigit(c) || (c >= 'a' && c <= 'f') || c == ':' || c == '.';
         });
}

}  // namespace

void checkChallengeNonce(std::string_view nonce) {
  const std::string hint =
      "Issue a fresh nonce per login: base64 of at least 32 random bytes (44 characters), "
      "at most 128 characters.";
  if (nonce.size() < kMinNonceLength) {
    throw Error(Errc::NonceInvalid,
                "The challenge nonce has " + std::to_string(nonce.size()) +
                    " characters; at least 44 are needed (base64 of 32 random bytes)",
                hint);
  }
  if (nonce.size() > kMaxNonceLength) {
    throw Error(Errc::NonceInvalid,
                "The challenge nonce has " + std::to_string(nonce.size()) +
                    " characters; at most 128 are allowed",
                hint);
  }
  if (!std::all_of(nonce.begin(), nonce.end(), isBase64Character)) {
    throw Error(Errc::NonceInvalid,
                "The challenge nonce contains a character that is not base64 or base64url", hint);
  }
}

namespace {

enum class HttpOrigins { OnlyLocalhost, Allowed };

void checkOriginShape(std::string_view origin, HttpOrigins http) {
  if (origin.empty()) originError(origin, "is empty");
  if (origin.size() > kMaxOriginLength) {
    originError(origin, "is longer than 255 characters");
  }
  bool https = false;
  std::string_view rest;
  if (origin.starts_with("https://")) {
    https = true;
    rest = origin.substr(8);
  } else if (origin.starts_with("http://")) {
    rest = origin.substr(7);
  } else {
    originError(origin, http == HttpOrigins::Allowed
                            ? "does not start with https:// or http://"
                            : "does not start with https:// (or http:// for localhost)");
  }
  if (rest.find_first_of("/?#") != std::string_view::npos) {
    originError(origin, "has a path, query or fragment; an origin ends after the host and port");
  }
  if (rest.find('@') != std::string_view::npos) {
    originError(origin, "has user information (user@); an origin has none");
  }
  // The port is after the last ':' unless that ':' is inside an IPv6 literal.
  std::string_view host = rest;
  std::string_view port;
  const auto colon = rest.rfind(':');
  if (colon != std::string_view::npos && rest.find(']', colon) == std::string_view::npos) {
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
    if (port.empty() || port.size() > 5 || port.front() == '0' ||
        !std::all_of(port.begin(), port.end(), isDigit) || std::stoul(std::string(port)) > 65535) {
      originError(origin, "has an invalid port");
    }
    if ((https && port == "443") || (!https && port == "80")) {
      originError(origin, "names the scheme's default port; browsers leave it out");
    }
  }
  const bool ipv6 = isIpv6Literal(host);
  if (!ipv6 && !isHostName(host)) {
    originError(origin,
                "does not have a valid lower-case host name (browsers send it lower case, "
                "internationalised names as xn--)");
  }
  if (http == HttpOrigins::OnlyLocalhost && !https && host != "localhost" && host != "127.0.0.1" &&
      host != "[::1]") {
    originError(origin, "uses http, which is allowed only for localhost, 127.0.0.1 and [::1]");
  }
}

}  // namespace

void checkOrigin(std::string_view origin) {
  checkOriginShape(origin, HttpOrigins::OnlyLocalhost);
}

void checkOriginForm(std::string_view origin) {
  checkOriginShape(origin, HttpOrigins::Allowed);
}

}  // namespace hcbridge::auth
