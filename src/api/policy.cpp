#include "hcbridge/api/policy.hpp"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "hcbridge/api/problem.hpp"
#include "hcbridge/base/json_object.hpp"
#include "hcbridge/error.hpp"

namespace hcbridge::api {
namespace {

constexpr std::string_view kAllowMethods = "GET, POST, DELETE, OPTIONS";
constexpr std::string_view kAllowHeaders = "Authorization, Content-Type, HCBridge-Session";
constexpr std::string_view kPreflightMaxAgeSeconds = "600";
// Refusal details quote what the caller sent; keep them short.
constexpr std::size_t kQuotedMax = 120;

std::string quoted(std::string_view value) {
  if (value.size() <= kQuotedMax) return std::string(value);
  return std::string(value.substr(0, kQuotedMax)) + "...";
}

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  return headerNameEquals(a, b);
}

Admission refuse(ApiProblem problem, std::string detail) {
  Admission admission;
  admission.response = Problem::of(problem, std::move(detail)).toResponse();
  return admission;
}

std::optional<Admission> checkSizes(const Request& request, const Limits& limits) {
  if (request.headers.size() > limits.maxHeaderCount) {
    return refuse(ApiProblem::HeadersTooLarge,
                  "the request has " + std::to_string(request.headers.size()) +
                      " header fields; at most " + std::to_string(limits.maxHeaderCount) +
                      " are accepted");
  }
  // Counted like the wire form: "METHOD TARGET HTTP/1.1\r\n" and "Name: value\r\n".
  std::size_t bytes = request.method.size() + request.target.size() + 11;
  for (const Header& header : request.headers)
    bytes += header.name.size() + header.value.size() + 4;
  if (bytes > limits.maxHeaderBytes) {
    return refuse(ApiProblem::HeadersTooLarge,
                  "the request line and header fields take " + std::to_string(bytes) +
                      " bytes; at most " + std::to_string(limits.maxHeaderBytes) + " are accepted");
  }
  if (request.body.size() > limits.maxBodyBytes) {
    return refuse(ApiProblem::RequestTooLarge,
                  "the body has " + std::to_string(request.body.size()) + " bytes; at most " +
                      std::to_string(limits.maxBodyBytes) + " are accepted");
  }
  return std::nullopt;
}

std::optional<Admission> checkHost(const Request& request, const Policy& policy) {
  bool repeated = false;
  const auto host = singleHeader(request.headers, "Host", &repeated);
  if (repeated)
    return refuse(ApiProblem::HostForbidden, "the request has more than one Host header");
  if (!host) return refuse(ApiProblem::HostForbidden, "the request has no Host header");
  if (isAllowedHost(*host, policy.port)) return std::nullopt;
  const std::string port = std::to_string(policy.port);
  return refuse(ApiProblem::HostForbidden, "Host " + quoted(*host) +
                                               " is not allowed; use localhost:" + port +
                                               ", 127.0.0.1:" + port + " or [::1]:" + port);
}

Admission preflight(const Request& request, std::string_view origin,
                    std::vector<Header> corsHeaders) {
  Admission admission;
  admission.logCaller = "origin " + std::string(origin);
  admission.response.status = 204;
  admission.response.headers = std::move(corsHeaders);
  admission.response.headers.push_back(
      {"Access-Control-Allow-Methods", std::string(kAllowMethods)});
  admission.response.headers.push_back(
      {"Access-Control-Allow-Headers", std::string(kAllowHeaders)});
  admission.response.headers.push_back(
      {"Access-Control-Max-Age", std::string(kPreflightMaxAgeSeconds)});
  const auto privateNetwork =
      singleHeader(request.headers, "Access-Control-Request-Private-Network");
  if (privateNetwork && equalsIgnoreCase(*privateNetwork, "true")) {
    admission.response.headers.push_back({"Access-Control-Allow-Private-Network", "true"});
  }
  return admission;
}

Admission admitOrigin(const Request& request, const Policy& policy, std::string_view origin) {
  // "null" is what sandboxed iframes, file:// pages and some redirects send:
  // any page can be it, so it names no one and is never allowed, even when
  // an allow-list somehow holds it (the config and --allow-origin refuse it).
  if (origin == "null") {
    Admission refused = refuse(ApiProblem::OriginForbidden,
                               "origin null (a sandboxed frame, a file:// page or a redirect) is "
                               "never allowed; serve the page from an origin in allowed_origins");
    refused.logCaller = "origin null";
    return refused;
  }
  const bool allowed = std::find(policy.allowedOrigins.begin(), policy.allowedOrigins.end(),
                                 origin) != policy.allowedOrigins.end();
  if (!allowed) {
    Admission refused =
        refuse(ApiProblem::OriginForbidden, "origin " + quoted(origin) +
                                                " is not allowed; add it to allowed_origins in " +
                                                policy.configPath);
    refused.logCaller = "origin " + quoted(origin);
    return refused;
  }
  std::vector<Header> cors = {{"Access-Control-Allow-Origin", std::string(origin)},
                              {"Vary", "Origin"}};
  const bool isPreflight =
      request.method == "OPTIONS" && singleHeader(request.headers, "Access-Control-Request-Method");
  if (isPreflight) return preflight(request, origin, std::move(cors));

  Admission admission;
  admission.caller = Caller{std::string(origin), {}, request.peerUid};
  admission.logCaller = admission.caller->identity();
  admission.corsHeaders = std::move(cors);
  return admission;
}

Admission admitApplication(const Request& request, const KeyCheck& checkKey) {
  bool repeated = false;
  const auto authorization = singleHeader(request.headers, "Authorization", &repeated);
  if (!authorization && !repeated) {
    Admission refused = refuse(ApiProblem::AppKeyRequired,
                               "a request without Origin needs Authorization: Bearer KEY with a "
                               "key made by 'hcbridge apps add NAME'");
    refused.response.headers.push_back({"WWW-Authenticate", "Bearer realm=\"hcbridge\""});
    return refused;
  }
  auto invalid = [](std::string detail) {
    Admission refused = refuse(ApiProblem::AppKeyInvalid, std::move(detail));
    refused.response.headers.push_back(
        {"WWW-Authenticate", "Bearer realm=\"hcbridge\", error=\"invalid_token\""});
    return refused;
  };
  if (repeated) return invalid("the request has more than one Authorization header");
  const std::string_view value = *authorization;
  const std::size_t space = value.find(' ');
  if (space == std::string_view::npos || !equalsIgnoreCase(value.substr(0, space), "Bearer")) {
    return invalid("Authorization must be 'Bearer KEY'");
  }
  std::string_view key = value.substr(space + 1);
  while (!key.empty() && key.front() == ' ') key.remove_prefix(1);
  if (key.empty() || key.find(' ') != std::string_view::npos) {
    return invalid("Authorization must be 'Bearer KEY'");
  }
  std::optional<std::string> app;
  try {
    app = checkKey ? checkKey(key) : std::nullopt;
  } catch (...) {
    Admission failed;
    failed.response =
        Problem::of(Errc::Internal, "the application key store failed; see the service log")
            .toResponse();
    return failed;
  }
  if (!app) {
    return invalid(
        "the application key is not known; list keys with 'hcbridge apps list' or make one with "
        "'hcbridge apps add NAME'");
  }
  Admission admission;
  admission.caller = Caller{std::nullopt, *app, request.peerUid};
  admission.logCaller = admission.caller->identity();
  return admission;
}

}  // namespace

std::string Caller::identity() const {
  return origin ? "origin " + *origin : "app " + app;
}

bool isAllowedHost(std::string_view host, std::uint16_t port) {
  std::string_view name = host;
  std::optional<std::string_view> portText;
  const std::size_t colon = host.rfind(':');
  const std::size_t bracket = host.rfind(']');
  if (colon != std::string_view::npos && (bracket == std::string_view::npos || colon > bracket)) {
    name = host.substr(0, colon);
    portText = host.substr(colon + 1);
  }
  const bool loopbackName =
      equalsIgnoreCase(name, "localhost") || name == "127.0.0.1" || name == "[::1]";
  if (!loopbackName) return false;
  if (!portText) return port == 80;
  return *portText == std::to_string(port);
}

Admission admit(const Request& request, const Policy& policy, const KeyCheck& checkKey) {
  if (auto refused = checkSizes(request, policy.limits)) return std::move(*refused);
  if (auto refused = checkHost(request, policy)) return std::move(*refused);
  bool repeated = false;
  const auto origin = singleHeader(request.headers, "Origin", &repeated);
  if (repeated) return refuse(ApiProblem::OriginForbidden, "the request has more than one Origin");
  if (origin) return admitOrigin(request, policy, *origin);
  return admitApplication(request, checkKey);
}

nlohmann::json parseJsonBody(std::string_view body, const Limits& limits) {
  const base::JsonLocator locator = [](const base::JsonFault& fault) {
    switch (fault.kind) {
      case base::JsonFaultKind::TooDeep:
        return Error(Errc::BadRequest, "the JSON body is nested deeper than " +
                                           std::to_string(fault.maxDepth) + " levels");
      case base::JsonFaultKind::NumberOutOfRange:
        // Valid syntax, but a number such as 1e400 has no double value.
        return Error(Errc::BadRequest, "the body holds a number out of range",
                     "send numbers that fit a 64-bit integer or a double");
      default:
        return Error(Errc::BadRequest,
                     "the body is not valid JSON (byte " + std::to_string(fault.byte) + ")",
                     "send a JSON document with Content-Type: application/json");
    }
  };
  return base::parseStrictJson(body, {.maxDepth = limits.maxJsonDepth}, locator);
}

}  // namespace hcbridge::api
