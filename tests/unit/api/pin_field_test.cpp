// takePinField: the PIN taken out of the raw body before the JSON parser
// sees it (issue 14: nlohmann's lexer kept unwiped copies of it).
#include "pin_field.hpp"

#include <gtest/gtest.h>

#include <string>

#include "fake_backend.hpp"
#include "hcbridge/api/request_handler.hpp"
#include "hcbridge/error.hpp"
#include "hcbridge_test/expect_error.hpp"

namespace hcbridge::api {
namespace {

using hcbridge::testing::expectError;

std::string text(const SecretBytes& secret) {
  return std::string(secret.view().begin(), secret.view().end());
}

TEST(PinField, TakesThePinAndBlanksItInTheBody) {
  std::string body = R"({"reader":"Reader B","pin":"1234","confirmLastTry":false})";
  const auto pin = takePinField(body);
  ASSERT_TRUE(pin);
  EXPECT_EQ(text(*pin), "1234");
  EXPECT_EQ(body, R"({"reader":"Reader B","pin":"****","confirmLastTry":false})");
  EXPECT_EQ(body.find("1234"), std::string::npos);
  // Still the same JSON to the parser, with the placeholder.
  EXPECT_EQ(parseJsonBody(body, Limits{})["pin"], "****");
}

TEST(PinField, DecodesEscapesAndBlanksTheirWholeSpelling) {
  struct Case {
    std::string body;
    std::string pin;
  };
  for (const Case& c : {
           Case{R"({"pin":"\u0031\u0032\u0033\u0034"})", "1234"},
           Case{R"({"pin":"12\"34"})", "12\"34"}, Case{R"({"pin":"12\\34"})", "12\\34"},
           Case{R"({"pin":"\/\b\f\n\r\t"})", "/\b\f\n\r\t"},
           Case{R"({"pin":"\u00e9\u20AC"})", "\xC3\xA9\xE2\x82\xAC"},
           Case{R"({"pin":"\ud83d\ude00"})", "\xF0\x9F\x98\x80"},
           Case{"{ \"p\\u0069n\" :\n \"9876\" }", "9876"},  // the key escaped too
       }) {
    std::string body = c.body;
    const auto pin = takePinField(body);
    ASSERT_TRUE(pin) << c.body;
    EXPECT_EQ(text(*pin), c.pin) << c.body;
    EXPECT_EQ(body.size(), c.body.size()) << c.body;
    EXPECT_EQ(body.find('\\', body.rfind(':')), std::string::npos) << body;
    EXPECT_EQ(parseJsonBody(body, Limits{})["pin"].get<std::string>().find_first_not_of('*'),
              std::string::npos)
        << body;
  }
}

TEST(PinField, NoPinOrANullPinIsNothing) {
  for (const std::string original :
       {R"({})", R"({"reader":"pin"})", R"({"pinx":"1234"})", R"({"pin":null})", R"([{"pin":"1"}])",
        R"("pin")", "", "   ", R"({"a":{"pin":"1234"}})", R"({"a":["pin","1234"]})",
        R"({"a":"{\"pin\":\"1234\"}"})"}) {
    std::string body = original;
    EXPECT_FALSE(takePinField(body)) << original;
    EXPECT_EQ(body, original) << "only the top-level pin is touched";
  }
}

TEST(PinField, APinAfterNestedValuesIsStillTheTopLevelOne) {
  std::string body = R"({"a":{"pin":"0000","b":[1,{"c":"}"}]},"s":"{[","pin":"4321"})";
  const auto pin = takePinField(body);
  ASSERT_TRUE(pin);
  EXPECT_EQ(text(*pin), "4321");
  EXPECT_NE(body.find(R"("pin":"0000")"), std::string::npos);  // nested: not the PIN field
  EXPECT_NE(body.find(R"("pin":"****")"), std::string::npos);
}

TEST(PinField, ANonStringPinIsRefusedWithoutQuotingIt) {
  for (const std::string original : {R"({"pin":1234})", R"({"pin":[1,2,3,4]})", R"({"pin":true})",
                                     R"({"pin":{"v":"1234"}})", R"({"pin": 12.34})"}) {
    std::string body = original;
    try {
      takePinField(body);
      ADD_FAILURE() << original << " was taken";
    } catch (const Error& error) {
      EXPECT_EQ(error.code(), Errc::BadRequest);
      EXPECT_STREQ(error.what(), "the field 'pin' must be a string");
    }
  }
}

TEST(PinField, ADuplicatePinIsRefused) {
  for (const std::string original :
       {R"({"pin":"1234","pin":"5678"})", R"({"pin":null,"pin":"5678"})",
        R"({"pin":"1234","p\u0069n":"5678"})"}) {
    std::string body = original;
    try {
      takePinField(body);
      ADD_FAILURE() << original << " was taken";
    } catch (const Error& error) {
      EXPECT_EQ(error.code(), Errc::BadRequest);
      EXPECT_STREQ(error.what(), "the field 'pin' is given twice");
      EXPECT_EQ(error.hint().find("5678"), std::string::npos);
    }
  }
}

TEST(PinField, MalformedStringsAreRefused) {
  for (const std::string original :
       {R"({"pin":"12)", R"({"pin":"12\)", R"({"pin":"1\x"})", R"({"pin":"\u12"})",
        R"({"pin":"\u12G4"})", R"({"pin":"\ud83d"})", R"({"pin":"\ude00"})",
        R"({"pin":"\ud83d\u0041"})", "{\"pin\":\"12\n34\"}", R"({"pin" "1234"})", R"({"pin")",
        R"({"a":"\q","pin":"1"})"}) {
    std::string body = original;
    try {
      takePinField(body);
      ADD_FAILURE() << original << " was taken";
    } catch (const Error& error) {
      EXPECT_EQ(error.code(), Errc::BadRequest) << original;
      EXPECT_NE(std::string(error.what()).find("not valid JSON (byte "), std::string::npos)
          << error.what();
    }
  }
}

TEST(PinField, TheParseHelperTakesThePinAndParsesTheRest) {
  const std::string original = R"({"pin":"1234","reader":"R"})";
  BodyWithPin parsed = parseBodyTakingPin(original, Limits{});
  ASSERT_TRUE(parsed.pin);
  EXPECT_EQ(text(*parsed.pin), "1234");
  EXPECT_EQ(parsed.json["pin"], "****");
  EXPECT_EQ(parsed.json["reader"], "R");
  EXPECT_TRUE(parseBodyTakingPin("", Limits{}).json.is_null());
  // A fault of the pin field waits for the endpoint (which audits it); the
  // rest is not parsed, as the PIN in it could not be blanked.
  BodyWithPin numeric = parseBodyTakingPin(R"({"pin":9876,"reader":"R"})", Limits{});
  EXPECT_TRUE(numeric.json.is_null());
  expectError([&] { numeric.takePin(); }, Errc::BadRequest, "the field 'pin' must be a string");
  BodyWithPin none = parseBodyTakingPin(R"({"reader":"R"})", Limits{});
  EXPECT_FALSE(none.takePin());
  // A number out of range: the parser's refusal, the PIN already taken.
  expectError([] { parseBodyTakingPin(R"({"pin":"1234","x":1e400})", Limits{}); }, Errc::BadRequest,
              "number out of range");
}

// Through the router: the session endpoint gets the PIN from the raw body,
// escapes decoded, and the card sees exactly the digits.
TEST(PinField, TheSessionEndpointTakesThePinBeforeTheJsonParse) {
  testing::FakeBackend backend;
  Policy policy;
  policy.port = 8971;
  RequestHandler handler(
      backend, policy, [](std::string_view) { return std::optional<std::string>("pharmacy"); },
      nullptr);
  auto post = [&](std::string body) {
    Request request;
    request.method = "POST";
    request.target = "/v1/practitioner/session";
    request.headers = {{"Host", "localhost:8971"}, {"Authorization", "Bearer k"}};
    request.body = std::move(body);
    HandledRequest result;
    handler.handle(request, [&](HandledRequest handled) { result = std::move(handled); });
    return result.response;
  };
  EXPECT_EQ(post(R"({"pin":"\u0031\u0032\u00334"})").status, 201);
  EXPECT_TRUE(backend.lastPinWasExpected);
  EXPECT_EQ(backend.lastPinLength, 4u);
  backend.lastPinLength = 0;
  for (const std::string body : {R"({"pin":"1234","pin":"1234"})", R"({"pin":1234})",
                                 R"({"pin":"12\q4"})", R"({"reader":"R"})"}) {
    const Response refused = post(body);
    EXPECT_EQ(refused.status, 400) << body;
    EXPECT_NE(refused.body.find(body.find("\\q") == std::string::npos ? "pin" : "not valid JSON"),
              std::string::npos)
        << refused.body;
    EXPECT_EQ(refused.body.find("1234"), std::string::npos) << refused.body;
  }
  EXPECT_EQ(backend.lastPinLength, 0u) << "a refused PIN reached the card";
}

}  // namespace
}  // namespace hcbridge::api
