#include "hcbridge/api/problem.hpp"

#include <cstddef>
#include <iterator>
#include <nlohmann/json.hpp>

#include "json_text.hpp"

namespace hcbridge::api {
namespace {

// The API's own refusals, one row per ApiProblem in enumerator order. Card
// and service failures (Errc) have theirs in hcbridge::kErrcCatalogue.
struct ApiProblemInfo {
  ApiProblem problem;
  std::string_view id;
  std::string_view title;
  int httpStatus;
};

constexpr ApiProblemInfo kApiProblems[] = {
    {ApiProblem::HostForbidden, "host-forbidden", "Host not allowed", 403},
    {ApiProblem::OriginForbidden, "origin-forbidden", "Origin not allowed", 403},
    {ApiProblem::AppKeyRequired, "app-key-required", "Application key required", 401},
    {ApiProblem::AppKeyInvalid, "app-key-invalid", "Application key not valid", 401},
    {ApiProblem::PractitionerSessionRequired, "practitioner-session-required",
     "Practitioner session required", 403},
    {ApiProblem::RequestTooLarge, "request-too-large", "Request too large", 413},
    {ApiProblem::HeadersTooLarge, "headers-too-large", "Request headers too large", 431},
    {ApiProblem::NotFound, "not-found", "Not found", 404},
    {ApiProblem::MethodNotAllowed, "method-not-allowed", "Method not allowed", 405},
    {ApiProblem::TooManyConnections, "too-many-connections", "Too many connections", 503},
};
// For a value outside the enum.
constexpr ApiProblemInfo kUnknownApiProblem{ApiProblem::HostForbidden, "internal", "Error", 500};

constexpr bool apiProblemsInEnumOrder() {
  for (std::size_t i = 0; i < std::size(kApiProblems); ++i) {
    if (kApiProblems[i].problem != static_cast<ApiProblem>(i)) return false;
  }
  return true;
}
// ApiProblem has no count enumerator: TooManyConnections is its last one.
static_assert(std::size(kApiProblems) ==
                  static_cast<std::size_t>(ApiProblem::TooManyConnections) + 1,
              "kApiProblems needs exactly one row per ApiProblem");
static_assert(apiProblemsInEnumOrder(), "kApiProblems rows must follow the enum's order");

const ApiProblemInfo& infoOf(ApiProblem problem) {
  const auto index = static_cast<std::size_t>(problem);
  return index < std::size(kApiProblems) ? kApiProblems[index] : kUnknownApiProblem;
}

}  // namespace

std::string_view apiProblemId(ApiProblem problem) {
  return infoOf(problem).id;
}

int httpStatus(ApiProblem problem) {
  return infoOf(problem).httpStatus;
}

int httpStatus(Errc code) {
  return errcInfo(code).httpStatus;
}

Problem Problem::of(ApiProblem problem, std::string detail) {
  const ApiProblemInfo& info = infoOf(problem);
  return {info.httpStatus,   std::string(info.id), std::string(info.title),
          std::move(detail), std::nullopt,         std::nullopt};
}

Problem Problem::of(Errc code, std::string detail) {
  const ErrcInfo& info = errcInfo(code);
  return {info.httpStatus,   std::string(info.id), std::string(info.title),
          std::move(detail), std::nullopt,         std::nullopt};
}

Problem Problem::fromException(std::exception_ptr error) {
  try {
    std::rethrow_exception(error);
  } catch (const PinError& e) {
    Problem problem = of(e.code(), e.hint().empty() ? e.what() : e.what() + (". " + e.hint()));
    problem.retriesLeft = e.retriesLeft();
    return problem;
  } catch (const RetryLaterError& e) {
    Problem problem = of(e.code(), e.hint().empty() ? e.what() : e.what() + (". " + e.hint()));
    problem.retryAfterSeconds = static_cast<long>(e.retryAfter().count());
    return problem;
  } catch (const Error& e) {
    return of(e.code(), e.hint().empty() ? e.what() : e.what() + (". " + e.hint()));
  } catch (const nlohmann::json::exception& e) {
    // A value of the request the JSON library refused somewhere after the
    // parse (a type or range it cannot convert): the caller's to change.
    // Only the library's error id is quoted; its text may quote the input.
    const std::string what = e.what();
    const std::string errorId = what.starts_with("[json.exception.")
                                    ? what.substr(1, what.find(']') - 1)
                                    : "json.exception";
    Problem problem =
        of(Errc::BadRequest, "the request holds a JSON value the service cannot use (" + errorId +
                                 "); check the body against /v1/openapi.json");
    problem.logNote = errorId;
    return problem;
  } catch (...) {
    Problem problem = of(Errc::Internal, "unexpected failure in the service; see the service log");
    problem.logNote = "unexpected exception";
    return problem;
  }
}

std::string Problem::typeUri() const {
  return std::string(kProblemTypeBase) + id;
}

std::string Problem::toJson() const {
  nlohmann::json body = {
      {"type", typeUri()}, {"code", id}, {"title", title}, {"status", status}, {"detail", detail}};
  if (retriesLeft) body["retriesLeft"] = *retriesLeft;
  if (retryAfterSeconds) body["retryAfterSeconds"] = *retryAfterSeconds;
  return jsonText(body);
}

Response Problem::toResponse() const {
  Response response;
  response.status = status;
  response.headers.push_back({"Content-Type", std::string(kProblemContentType)});
  response.body = toJson();
  response.logNote = logNote.empty() ? id : id + " " + logNote;
  if (retryAfterSeconds)
    response.headers.push_back({"Retry-After", std::to_string(*retryAfterSeconds)});
  return response;
}

}  // namespace hcbridge::api
