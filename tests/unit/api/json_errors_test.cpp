// issue 14: a JSON number like 1e400 gave a 500 that was never logged. Any
// exception of the JSON library in request handling is a 400 bad-request
// with a clear detail, and the request log line says which one it was.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "hcbridge/api/problem.hpp"
#include "server_fixture.hpp"

namespace hcbridge::api::testing {
namespace {

TEST_F(ServerTest, ANumberOutOfRangeIsABadRequestOnEveryPostEndpoint) {
  startServer();
  for (const std::string target :
       {"/v1/practitioner/session", "/v1/practitioner/authenticate", "/v1/record-access"}) {
    for (const std::string body :
         {R"({"x":1e400})", R"({"pin":"1234","x":-1e400})", R"({"pin":"1234","reader":1E+999})",
          R"({"nonce":"n","audience":"a","purpose":"normal","beneficiary":1e400})", R"([1e400])"}) {
      SCOPED_TRACE(target + " " + body);
      const HttpReply reply =
          fetch(port(), "POST", target, {{"Origin", kOrigin}, {"Content-Type", "application/json"}},
                body);
      EXPECT_EQ(reply.status, 400);
      EXPECT_EQ(reply.json()["code"], "bad-request");
      EXPECT_NE(reply.json()["detail"].get<std::string>().find("number out of range"),
                std::string::npos)
          << reply.body;
      EXPECT_EQ(reply.body.find("1234"), std::string::npos);
    }
    EXPECT_TRUE(logEventuallyContains("http POST " + target + " 400 ")) << target;
    EXPECT_TRUE(logEventuallyContains("origin https://app.example bad-request")) << target;
  }
  EXPECT_EQ(backend_.lastPinLength, 0u) << "nothing reached the card";
}

TEST_F(ServerTest, ANumberOutOfRangeInAnyOtherBodyIsABadRequestToo) {
  startServer();
  EXPECT_EQ(fetch(port(), "DELETE", "/v1/practitioner/session", origin(), R"({"a":1e400})").status,
            400);
  EXPECT_EQ(fetch(port(), "GET", "/v1/status", origin(), "1e400").status, 400);
}

// Whatever JSON library exception escapes a handler (a type error, an
// out-of-range access): 400 with the library's error id, never its text
// (a parse error's text quotes the input, which may hold a PIN).
TEST(JsonLibraryErrors, AreBadRequestsNamingTheErrorIdOnly) {
  const auto problemOf = [](auto throwIt) {
    try {
      throwIt();
    } catch (...) {
      return Problem::fromException(std::current_exception());
    }
    return Problem{};
  };
  const Problem typeError = problemOf([] { nlohmann::json(42).get<std::string>(); });
  EXPECT_EQ(typeError.status, 400);
  EXPECT_EQ(typeError.id, "bad-request");
  EXPECT_NE(typeError.detail.find("json.exception.type_error.302"), std::string::npos)
      << typeError.detail;
  EXPECT_EQ(typeError.logNote, "json.exception.type_error.302");

  const Problem parseError = problemOf([] {
    const auto parsed = nlohmann::json::parse(R"({"pin":"98765)");
    ADD_FAILURE() << parsed.dump();
  });
  EXPECT_EQ(parseError.status, 400);
  EXPECT_EQ(parseError.detail.find("98765"), std::string::npos) << parseError.detail;
  EXPECT_EQ(parseError.toResponse().body.find("98765"), std::string::npos);
  EXPECT_EQ(parseError.logNote.find("98765"), std::string::npos);

  const Problem outOfRange = problemOf([] {
    const auto element = nlohmann::json::array().at(3);
    ADD_FAILURE() << element.dump();
  });
  EXPECT_EQ(outOfRange.status, 400);
  EXPECT_EQ(outOfRange.logNote, "json.exception.out_of_range.401");

  // Other exceptions stay internal with a generic detail; the log says so.
  const Problem other = problemOf([] { throw std::runtime_error("secret 4321"); });
  EXPECT_EQ(other.status, 500);
  EXPECT_EQ(other.detail.find("4321"), std::string::npos);
  EXPECT_EQ(other.toResponse().logNote, "internal unexpected exception");
  EXPECT_EQ(typeError.toResponse().logNote, "bad-request json.exception.type_error.302");
}

}  // namespace
}  // namespace hcbridge::api::testing
