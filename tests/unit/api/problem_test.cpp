// Mapping of every failure to an HTTP status and a problem+json body.
#include "hcbridge/api/problem.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

namespace hcbridge::api {
namespace {

constexpr Errc kAllErrc[] = {Errc::PcscUnavailable,  Errc::NoReaders,
                             Errc::ReaderNotFound,   Errc::ReaderRemoved,
                             Errc::CardAbsent,       Errc::CardRemoved,
                             Errc::CardUnresponsive, Errc::ReaderBusy,
                             Errc::Timeout,          Errc::Cancelled,
                             Errc::ApduInvalid,      Errc::TlvInvalid,
                             Errc::AtrInvalid,       Errc::CardDataInvalid,
                             Errc::CardUnsupported,  Errc::OperationUnsupported,
                             Errc::PinIncorrect,     Errc::PinBlocked,
                             Errc::ProfileInvalid,   Errc::ConnectionFailed,
                             Errc::BadRequest,       Errc::Internal};

constexpr ApiProblem kAllApiProblems[] = {ApiProblem::HostForbidden,
                                          ApiProblem::OriginForbidden,
                                          ApiProblem::AppKeyRequired,
                                          ApiProblem::AppKeyInvalid,
                                          ApiProblem::PractitionerSessionRequired,
                                          ApiProblem::RequestTooLarge,
                                          ApiProblem::HeadersTooLarge,
                                          ApiProblem::NotFound,
                                          ApiProblem::MethodNotAllowed,
                                          ApiProblem::TooManyConnections};

TEST(ProblemTest, EveryErrcHasAnErrorStatusAndItsIdAsCode) {
  std::set<std::string> ids;
  for (Errc code : kAllErrc) {
    const Problem problem = Problem::of(code, "detail");
    SCOPED_TRACE(problem.id);
    EXPECT_EQ(problem.id, errcId(code));
    EXPECT_GE(problem.status, 400);
    EXPECT_LE(problem.status, 599);
    EXPECT_FALSE(problem.title.empty());
    ids.insert(problem.id);
  }
  for (ApiProblem p : kAllApiProblems) {
    const Problem problem = Problem::of(p, "detail");
    EXPECT_GE(problem.status, 400);
    EXPECT_FALSE(problem.title.empty());
    EXPECT_TRUE(ids.insert(problem.id).second) << "id used twice: " << problem.id;
  }
}

TEST(ProblemTest, ArchitectureStatuses) {
  EXPECT_EQ(httpStatus(Errc::CardAbsent), 409);
  EXPECT_EQ(httpStatus(Errc::CardRemoved), 409);
  EXPECT_EQ(httpStatus(Errc::CardUnsupported), 409);
  EXPECT_EQ(httpStatus(Errc::ReaderBusy), 409);
  EXPECT_EQ(httpStatus(Errc::PinIncorrect), 403);
  EXPECT_EQ(httpStatus(Errc::PinBlocked), 403);
  EXPECT_EQ(httpStatus(Errc::PcscUnavailable), 503);
  EXPECT_EQ(httpStatus(Errc::BadRequest), 400);
  EXPECT_EQ(httpStatus(Errc::ReaderNotFound), 404);
  EXPECT_EQ(httpStatus(ApiProblem::OriginForbidden), 403);
  EXPECT_EQ(httpStatus(ApiProblem::PractitionerSessionRequired), 403);
  EXPECT_EQ(httpStatus(ApiProblem::AppKeyRequired), 401);
  EXPECT_EQ(httpStatus(ApiProblem::RequestTooLarge), 413);
  EXPECT_EQ(httpStatus(ApiProblem::HeadersTooLarge), 431);
}

TEST(ProblemTest, ResponseIsProblemJson) {
  const Response response =
      Problem::of(Errc::CardAbsent, "no card in Reader A; insert the patient's card").toResponse();
  EXPECT_EQ(response.status, 409);
  EXPECT_EQ(singleHeader(response.headers, "Content-Type"), "application/problem+json");
  const auto body = nlohmann::json::parse(response.body);
  EXPECT_EQ(body["type"], "https://hcbridge.local/problems/card-absent");
  EXPECT_EQ(body["code"], "card-absent");
  EXPECT_EQ(body["title"], "No card in the reader");
  EXPECT_EQ(body["status"], 409);
  EXPECT_EQ(body["detail"], "no card in Reader A; insert the patient's card");
  EXPECT_FALSE(body.contains("retriesLeft"));
}

TEST(ProblemTest, PinErrorCarriesRetriesLeftAndHint) {
  const Problem problem = Problem::fromException(std::make_exception_ptr(
      PinError(Errc::PinIncorrect, 2, "wrong PIN", "2 tries left; check the PIN")));
  EXPECT_EQ(problem.status, 403);
  EXPECT_EQ(problem.retriesLeft, 2);
  EXPECT_EQ(problem.detail, "wrong PIN. 2 tries left; check the PIN");
  EXPECT_EQ(nlohmann::json::parse(problem.toJson())["retriesLeft"], 2);
}

TEST(ProblemTest, UnknownExceptionsDoNotLeakTheirText) {
  const Problem problem =
      Problem::fromException(std::make_exception_ptr(std::runtime_error("secret internals")));
  EXPECT_EQ(problem.id, "internal");
  EXPECT_EQ(problem.status, 500);
  EXPECT_EQ(problem.detail.find("secret"), std::string::npos);
}

TEST(ProblemTest, InvalidUtf8InDetailDoesNotThrow) {
  const Problem problem = Problem::of(ApiProblem::OriginForbidden, "origin \xff\xfe");
  EXPECT_TRUE(nlohmann::json::accept(problem.toJson()));
}

}  // namespace
}  // namespace hcbridge::api
