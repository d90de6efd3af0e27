// The admission policy as pure functions: Host, Origin, CORS preflight,
// application keys, size limits, JSON body parsing.
#include "hcbridge/api/policy.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "hcbridge/error.hpp"

namespace hcbridge::api {
namespace {

class PolicyTest : public ::testing::Test {
 protected:
  PolicyTest() {
    policy_.port = 8971;
    policy_.allowedOrigins = {"https://app.example", "http://localhost:3000"};
    policy_.configPath = "/etc/hcbridge/config.json";
  }

  Request request(std::vector<Header> headers, std::string method = "GET") const {
    return {std::move(method), "/v1/readers", std::move(headers), {}};
  }
  Admission admitted(const Request& r) const { return admit(r, policy_, checkKey_); }
  static std::string problemCode(const Admission& a) {
    return nlohmann::json::parse(a.response.body).at("code").get<std::string>();
  }

  Policy policy_;
  KeyCheck checkKey_ = [](std::string_view key) -> std::optional<std::string> {
    if (key == "good-key") return "pharmacy";
    return std::nullopt;
  };
};

TEST(HostTest, AcceptsLoopbackNamesWithTheServicePortOnly) {
  EXPECT_TRUE(isAllowedHost("localhost:8971", 8971));
  EXPECT_TRUE(isAllowedHost("LOCALHOST:8971", 8971));
  EXPECT_TRUE(isAllowedHost("127.0.0.1:8971", 8971));
  EXPECT_TRUE(isAllowedHost("[::1]:8971", 8971));
  EXPECT_FALSE(isAllowedHost("localhost", 8971));
  EXPECT_FALSE(isAllowedHost("localhost:8972", 8971));
  EXPECT_FALSE(isAllowedHost("localhost:", 8971));
  EXPECT_FALSE(isAllowedHost("localhost.:8971", 8971));
  EXPECT_FALSE(isAllowedHost("evil.example:8971", 8971));
  EXPECT_FALSE(isAllowedHost("127.0.0.2:8971", 8971));
  EXPECT_FALSE(isAllowedHost("::1:8971", 8971));
  EXPECT_FALSE(isAllowedHost("", 8971));
  // Port 80 may be left out, as browsers do.
  EXPECT_TRUE(isAllowedHost("localhost", 80));
  EXPECT_TRUE(isAllowedHost("[::1]", 80));
}

TEST_F(PolicyTest, ForeignHostIsRefusedWhateverElseIsRight) {
  const Admission a =
      admitted(request({{"Host", "rebind.evil.example:8971"}, {"Origin", "https://app.example"}}));
  EXPECT_FALSE(a.caller);
  EXPECT_EQ(a.response.status, 403);
  EXPECT_EQ(problemCode(a), "host-forbidden");
  EXPECT_EQ(singleHeader(a.response.headers, "Access-Control-Allow-Origin"), std::nullopt);
}

TEST_F(PolicyTest, MissingOrRepeatedHostIsRefused) {
  EXPECT_EQ(problemCode(admitted(request({{"Authorization", "Bearer good-key"}}))),
            "host-forbidden");
  EXPECT_EQ(problemCode(admitted(request({{"Host", "localhost:8971"},
                                          {"Host", "localhost:8971"},
                                          {"Authorization", "Bearer good-key"}}))),
            "host-forbidden");
}

TEST_F(PolicyTest, ForeignOriginIsRefusedWithWhatToChange) {
  const Admission a =
      admitted(request({{"Host", "localhost:8971"}, {"Origin", "https://x.example"}}));
  EXPECT_FALSE(a.caller);
  EXPECT_EQ(a.response.status, 403);
  const auto body = nlohmann::json::parse(a.response.body);
  EXPECT_EQ(body["code"], "origin-forbidden");
  EXPECT_EQ(body["type"], "https://hcbridge.local/problems/origin-forbidden");
  EXPECT_EQ(body["detail"],
            "origin https://x.example is not allowed; add it to allowed_origins in "
            "/etc/hcbridge/config.json");
  EXPECT_EQ(singleHeader(a.response.headers, "Content-Type"), "application/problem+json");
  EXPECT_EQ(singleHeader(a.response.headers, "Access-Control-Allow-Origin"), std::nullopt);
}

TEST_F(PolicyTest, OriginMatchIsExact) {
  for (const char* origin : {"https://app.example:443", "https://app.example/",
                             "http://app.example", "https://APP.example", "null", ""}) {
    SCOPED_TRACE(origin);
    EXPECT_EQ(problemCode(admitted(request({{"Host", "localhost:8971"}, {"Origin", origin}}))),
              "origin-forbidden");
  }
}

// issue 14: with "null" in the list, every sandboxed iframe was admitted.
TEST_F(PolicyTest, OriginNullIsNeverAdmittedEvenWhenListed) {
  policy_.allowedOrigins.push_back("null");
  for (const std::string method : {"GET", "OPTIONS"}) {
    std::vector<Header> headers = {{"Host", "localhost:8971"}, {"Origin", "null"}};
    if (method == "OPTIONS") headers.push_back({"Access-Control-Request-Method", "POST"});
    const Admission a = admitted(request(headers, method));
    EXPECT_FALSE(a.caller) << method;
    EXPECT_EQ(a.response.status, 403) << method;
    EXPECT_EQ(problemCode(a), "origin-forbidden") << method;
    EXPECT_EQ(singleHeader(a.response.headers, "Access-Control-Allow-Origin"), std::nullopt);
    EXPECT_EQ(a.logCaller, "origin null");
  }
}

TEST_F(PolicyTest, AllowedOriginIsAdmittedWithCorsHeaders) {
  const Admission a =
      admitted(request({{"Host", "127.0.0.1:8971"}, {"Origin", "https://app.example"}}));
  ASSERT_TRUE(a.caller);
  EXPECT_EQ(a.caller->identity(), "origin https://app.example");
  EXPECT_EQ(a.logCaller, "origin https://app.example");
  EXPECT_EQ(singleHeader(a.corsHeaders, "Access-Control-Allow-Origin"), "https://app.example");
  EXPECT_EQ(singleHeader(a.corsHeaders, "Vary"), "Origin");
}

TEST_F(PolicyTest, PreflightForAllowedOriginIsAnswered) {
  const Admission a = admitted(request({{"Host", "localhost:8971"},
                                        {"Origin", "http://localhost:3000"},
                                        {"Access-Control-Request-Method", "GET"},
                                        {"Access-Control-Request-Headers", "authorization"}},
                                       "OPTIONS"));
  EXPECT_FALSE(a.caller);  // answered here, not routed
  EXPECT_EQ(a.response.status, 204);
  EXPECT_EQ(singleHeader(a.response.headers, "Access-Control-Allow-Origin"),
            "http://localhost:3000");
  EXPECT_EQ(singleHeader(a.response.headers, "Vary"), "Origin");
  EXPECT_EQ(singleHeader(a.response.headers, "Access-Control-Allow-Methods"),
            "GET, POST, DELETE, OPTIONS");
  EXPECT_EQ(singleHeader(a.response.headers, "Access-Control-Allow-Headers"),
            "Authorization, Content-Type, HCBridge-Session");
  EXPECT_EQ(singleHeader(a.response.headers, "Access-Control-Max-Age"), "600");
  EXPECT_EQ(singleHeader(a.response.headers, "Access-Control-Allow-Private-Network"), std::nullopt);
}

TEST_F(PolicyTest, PrivateNetworkPreflightGetsItsAllowHeader) {
  const Admission a = admitted(request({{"Host", "localhost:8971"},
                                        {"Origin", "https://app.example"},
                                        {"Access-Control-Request-Method", "GET"},
                                        {"Access-Control-Request-Private-Network", "true"}},
                                       "OPTIONS"));
  EXPECT_EQ(a.response.status, 204);
  EXPECT_EQ(singleHeader(a.response.headers, "Access-Control-Allow-Private-Network"), "true");
}

TEST_F(PolicyTest, PreflightForForeignOriginIsRefusedWithoutCorsHeaders) {
  const Admission a = admitted(request({{"Host", "localhost:8971"},
                                        {"Origin", "https://x.example"},
                                        {"Access-Control-Request-Method", "GET"},
                                        {"Access-Control-Request-Private-Network", "true"}},
                                       "OPTIONS"));
  EXPECT_EQ(a.response.status, 403);
  EXPECT_EQ(problemCode(a), "origin-forbidden");
  for (const Header& h : a.response.headers) {
    EXPECT_EQ(h.name.rfind("Access-Control-", 0), std::string::npos) << h.name;
  }
}

TEST_F(PolicyTest, NoOriginAndNoKeyNeedsAKey) {
  const Admission a = admitted(request({{"Host", "localhost:8971"}}));
  EXPECT_EQ(a.response.status, 401);
  EXPECT_EQ(problemCode(a), "app-key-required");
  EXPECT_EQ(singleHeader(a.response.headers, "WWW-Authenticate"), "Bearer realm=\"hcbridge\"");
}

TEST_F(PolicyTest, WrongOrMalformedKeyIsInvalid) {
  for (const char* authorization : {"Bearer bad-key", "Basic Zm9vOmJhcg==", "Bearer", "Bearer ",
                                    "good-key", "Bearer good-key extra"}) {
    SCOPED_TRACE(authorization);
    const Admission a =
        admitted(request({{"Host", "localhost:8971"}, {"Authorization", authorization}}));
    EXPECT_EQ(a.response.status, 401);
    EXPECT_EQ(problemCode(a), "app-key-invalid");
  }
}

TEST_F(PolicyTest, RightKeyNamesTheApplication) {
  const Admission a =
      admitted(request({{"host", "[::1]:8971"}, {"authorization", "bearer good-key"}}));
  ASSERT_TRUE(a.caller);
  EXPECT_EQ(a.caller->identity(), "app pharmacy");
  EXPECT_TRUE(a.corsHeaders.empty());
}

TEST_F(PolicyTest, KeyStoreFailureIsInternalNotAdmission) {
  checkKey_ = [](std::string_view) -> std::optional<std::string> {
    throw std::runtime_error("disk gone");
  };
  const Admission a =
      admitted(request({{"Host", "localhost:8971"}, {"Authorization", "Bearer good-key"}}));
  EXPECT_FALSE(a.caller);
  EXPECT_EQ(a.response.status, 500);
}

TEST_F(PolicyTest, TooManyHeadersAre431) {
  std::vector<Header> headers = {{"Host", "localhost:8971"}, {"Authorization", "Bearer good-key"}};
  for (int i = 0; i < 64; ++i) headers.push_back({"X-Filler-" + std::to_string(i), "1"});
  const Admission a = admitted(request(headers));
  EXPECT_EQ(a.response.status, 431);
  EXPECT_EQ(problemCode(a), "headers-too-large");
}

TEST_F(PolicyTest, HugeHeaderIs431) {
  const Admission a = admitted(request({{"Host", "localhost:8971"},
                                        {"Authorization", "Bearer good-key"},
                                        {"Cookie", std::string(9000, 'c')}}));
  EXPECT_EQ(a.response.status, 431);
}

TEST_F(PolicyTest, OversizedBodyIs413BeforeAnythingElse) {
  Request r = request({{"Host", "evil.example"}}, "POST");
  r.body.assign(policy_.limits.maxBodyBytes + 1, 'x');
  const Admission a = admitted(r);
  EXPECT_EQ(a.response.status, 413);
  EXPECT_EQ(problemCode(a), "request-too-large");
}

TEST(JsonBodyTest, ParsesSoundJson) {
  const auto body = parseJsonBody(R"({"pin":"1234","nested":[1,[2,[3]]]})", Limits{});
  EXPECT_EQ(body["nested"][1][1][0], 3);
}

TEST(JsonBodyTest, MalformedJsonIsBadRequest) {
  for (const char* text : {"{", "{\"a\":}", "[1,2", "nul", "{\"a\":1} trailing", "\xff"}) {
    SCOPED_TRACE(text);
    try {
      parseJsonBody(text, Limits{});
      ADD_FAILURE() << "accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), Errc::BadRequest);
    }
  }
}

TEST(JsonBodyTest, ANumberOutOfRangeIsBadRequest) {
  try {
    parseJsonBody(R"({"pin":"1234","x":1e400})", Limits{});
    ADD_FAILURE() << "accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Errc::BadRequest);
    EXPECT_NE(std::string(e.what()).find("number out of range"), std::string::npos) << e.what();
  }
}

TEST(JsonBodyTest, DepthIsLimited) {
  Limits limits;
  limits.maxJsonDepth = 4;
  EXPECT_NO_THROW(parseJsonBody("[[[[1]]]]", limits));
  try {
    parseJsonBody("[[[[[1]]]]]", limits);
    ADD_FAILURE() << "accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Errc::BadRequest);
    EXPECT_NE(std::string(e.what()).find("deeper than 4"), std::string::npos);
  }
  // Deep input is refused without building it.
  EXPECT_THROW(parseJsonBody(std::string(100000, '['), Limits{}), Error);
}

}  // namespace
}  // namespace hcbridge::api
