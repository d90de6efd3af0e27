// RFC 9457 problem details for every failure the API reports.
//
// Body: {"type": "https://hcbridge.local/problems/<id>", "code": "<id>",
//        "title": ..., "status": ..., "detail": ..., ["retriesLeft": n]}
// `type` is an absolute URI (as RFC 9457 recommends) built from the stable
// id; `code` carries the bare id, which is what clients should switch on.
// Ids of card/service failures are hcbridge::errcId(); the API's own
// refusals are listed in ApiProblem.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "hcbridge/api/http_types.hpp"
#include "hcbridge/error.hpp"

namespace hcbridge::api {

inline constexpr std::string_view kProblemTypeBase = "https://hcbridge.local/problems/";
inline constexpr std::string_view kProblemContentType = "application/problem+json";

enum class ApiProblem {
  HostForbidden,                // 403 Host is not a loopback name with our port
  OriginForbidden,              // 403 Origin not on the allow-list
  AppKeyRequired,               // 401 no Origin and no Authorization
  AppKeyInvalid,                // 401 unknown or malformed application key
  PractitionerSessionRequired,  // 403 patient data without a practitioner session
  RequestTooLarge,              // 413 body above the limit
  HeadersTooLarge,              // 431 too many or too large header fields
  NotFound,                     // 404
  MethodNotAllowed,             // 405
  TooManyConnections,           // 503 connection cap reached
};

std::string_view apiProblemId(ApiProblem problem);
int httpStatus(ApiProblem problem);
int httpStatus(Errc code);

struct Problem {
  int status = 500;
  std::string id;      // stable kebab-case id
  std::string title;   // short, human, the same for every occurrence of the id
  std::string detail;  // this occurrence: what went wrong and what to change
  std::optional<int> retriesLeft;
  // When trying again later helps (pin-attempt-too-soon): body field
  // "retryAfterSeconds" and the Retry-After header.
  std::optional<long> retryAfterSeconds;
  // For the request log only (Response::logNote): what fromException caught
  // when the detail is generic or the JSON library's, e.g.
  // "json.exception.type_error.302".
  std::string logNote = {};

  static Problem of(ApiProblem problem, std::string detail);
  static Problem of(Errc code, std::string detail);
  // hcbridge::Error (and PinError's retriesLeft, RetryLaterError's wait); anything else is
  // "internal" with a generic detail, so no exception text of unknown origin leaks out.
  static Problem fromException(std::exception_ptr error);

  std::string typeUri() const;
  std::string toJson() const;
  Response toResponse() const;
};

}  // namespace hcbridge::api
