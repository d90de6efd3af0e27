// The practitioner-session endpoints through policy and router with the
// fake backend: status codes, body checks before any card work, the origin
// a token is bound to, the PIN kept out of answers and audit lines, and one
// audit line per attempt.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>
#include <tuple>

#include "fake_backend.hpp"
#include "hcbridge/api/request_handler.hpp"
#include "hcbridge/api/router.hpp"
#include "hcbridge/error.hpp"

namespace hcbridge::api {
namespace {

using nlohmann::json;
using testing::FakeBackend;

const std::string kNonce = "c2VjcmV0LW5vbmNlLW9mLTMyLWJ5dGVzLWZvci10ZXN0cyE=";  // 48 characters
const std::string kBrowser = "https://app.example";
const std::string kAudience = "https://records.example.org/fhir";

// Everything an audit line holds, as one text to search.
std::string flatten(const AuditEntry& entry) {
  std::string text = entry.action + "|" + entry.caller + "|" + entry.practitioner.value_or("") +
                     "|" + entry.cardSerialHash + "|" + entry.outcome;
  for (const auto& field : entry.fields) text += "|" + field;
  for (const auto& [key, value] : entry.details) text += "|" + key + "=" + value;
  return text;
}

class SessionRoutesTest : public ::testing::Test {
 protected:
  SessionRoutesTest() {
    policy_.port = 8971;
    policy_.allowedOrigins = {kBrowser};
  }

  // As the native application "pharmacy" (no Origin), or as a browser page
  // of kBrowser when fromBrowser.
  HandledRequest send(const std::string& method, const std::string& target,
                      const std::string& body = {}, bool fromBrowser = false,
                      std::vector<Header> extraHeaders = {}) {
    RequestHandler handler(
        backend_, policy_,
        [](std::string_view key) -> std::optional<std::string> {
          if (key == "k") return "pharmacy";
          return std::nullopt;
        },
        [this](const AuditEntry& e) {
          if (auditFails_) throw std::runtime_error("disk full");
          audit_.push_back(e);
        },
        history_);
    std::vector<Header> headers = {{"Host", "localhost:8971"}};
    if (fromBrowser) {
      headers.push_back({"Origin", kBrowser});
    } else {
      headers.push_back({"Authorization", "Bearer k"});
    }
    if (!body.empty()) headers.push_back({"Content-Type", "application/json"});
    for (Header& header : extraHeaders) headers.push_back(std::move(header));
    std::optional<HandledRequest> result;
    Request request{method, target, std::move(headers), body};
    request.peerUid = peerUid_;
    handler.handle(request, [&](HandledRequest handled) { result = std::move(handled); });
    EXPECT_TRUE(result) << "the fake completes synchronously";
    return result.value_or(HandledRequest{});
  }
  HandledRequest post(const std::string& target, const json& body, bool fromBrowser = false) {
    return send("POST", target, body.dump(), fromBrowser);
  }
  static json parsed(const HandledRequest& h) { return json::parse(h.response.body); }
  static std::string code(const HandledRequest& h) {
    return parsed(h).value("code", std::string("(none)"));
  }
  static std::string detail(const HandledRequest& h) {
    return parsed(h).value("detail", std::string());
  }
  const AuditEntry& onlyAuditLine() {
    EXPECT_EQ(audit_.size(), 1u);
    if (audit_.empty()) audit_.emplace_back();
    return audit_.back();
  }

  static json recordBody() {
    return {{"audience", kAudience}, {"nonce", kNonce}, {"purpose", "normal"}};
  }

  FakeBackend backend_;
  Policy policy_;
  std::optional<std::uint32_t> peerUid_ = 1000;  // the local user the server found
  std::vector<std::string> historyAskedFor_;     // the serial hashes the patient's view looked up
  AccessHistory history_ = [this](const std::string& hash) {
    historyAskedFor_.push_back(hash);
    AuditAccess access;
    access.time = "2026-12-04T10:00:00.000Z";
    access.action = "record-access.issue";
    access.caller = "origin https://dmp.example";
    access.practitioner = "cps 10101201234";
    access.outcome = "ok";
    access.purpose = "bris_de_glace";
    access.justification = "unconscious";
    return std::vector<AuditAccess>{access};
  };
  std::vector<AuditEntry> audit_;
  bool auditFails_ = false;
};

// ---------------------------------------------------------------- POST/DELETE session

TEST_F(SessionRoutesTest, OpeningASessionSendsThePinAndAnswers201) {
  const auto handled = post("/v1/practitioner/session", {{"pin", "1234"}});
  EXPECT_EQ(handled.response.status, 201);
  EXPECT_EQ(parsed(handled)["practitioner"]["surname"], "TEST");
  EXPECT_EQ(backend_.lastPinLength, 4u);
  EXPECT_TRUE(backend_.lastPinWasExpected);
  EXPECT_FALSE(backend_.lastConfirmLastTry);

  const AuditEntry& entry = onlyAuditLine();
  EXPECT_EQ(entry.action, "practitioner-session.open");
  EXPECT_EQ(entry.caller, "app pharmacy");
  EXPECT_EQ(entry.practitioner, "Dr Test");  // the session as opened
  EXPECT_EQ(entry.outcome, "ok");
  EXPECT_EQ(flatten(entry).find("1234"), std::string::npos);
}

TEST_F(SessionRoutesTest, ConfirmLastTryMustBeABoolean) {
  EXPECT_EQ(post("/v1/practitioner/session", {{"pin", "123456"}, {"confirmLastTry", true}})
                .response.status,
            201);
  EXPECT_TRUE(backend_.lastConfirmLastTry);
  EXPECT_EQ(backend_.lastPinLength, 6u);
  EXPECT_FALSE(backend_.lastPinWasExpected);

  backend_.lastPinLength = 0;
  const auto refused =
      post("/v1/practitioner/session", {{"pin", "123456"}, {"confirmLastTry", "yes"}});
  EXPECT_EQ(refused.response.status, 400);
  EXPECT_EQ(code(refused), "bad-request");
  EXPECT_NE(detail(refused).find("confirmLastTry"), std::string::npos) << detail(refused);
  EXPECT_EQ(refused.response.body.find("123456"), std::string::npos);
  EXPECT_EQ(backend_.lastPinLength, 0u) << "the PIN reached the backend";
}

TEST_F(SessionRoutesTest, AMalformedPinIsRefusedAndNeverRepeated) {
  const std::vector<json> bodies = {
      {{"pin", "12a4"}}, {{"pin", "987"}},   {{"pin", "9876543210987"}}, {{"pin", "98 76"}},
      {{"pin", 9876}},   {{"pin", nullptr}}, {{"confirmLastTry", true}}, json::array({"9876"}),
  };
  for (const json& body : bodies) {
    SCOPED_TRACE(body.dump());
    audit_.clear();
    const auto handled = post("/v1/practitioner/session", body);
    EXPECT_EQ(handled.response.status, 400);
    EXPECT_EQ(code(handled), "bad-request");
    std::string lower = detail(handled);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    EXPECT_NE(lower.find("pin"), std::string::npos) << lower;
    const std::string pin = body.is_object() && body.contains("pin") ? body["pin"].dump() : "9876";
    const std::string bare = pin.front() == '"' ? pin.substr(1, pin.size() - 2) : pin;
    if (bare != "null") {
      EXPECT_EQ(handled.response.body.find(bare), std::string::npos) << handled.response.body;
    }
    const AuditEntry& entry = onlyAuditLine();
    EXPECT_EQ(entry.action, "practitioner-session.open");
    EXPECT_EQ(entry.outcome, "bad-request");
    EXPECT_EQ(flatten(entry).find(bare), std::string::npos);
  }
  EXPECT_EQ(backend_.lastPinLength, 0u) << "a malformed PIN reached the backend";
}

TEST_F(SessionRoutesTest, AnUnknownFieldIsNamed) {
  const auto handled = post("/v1/practitioner/session", {{"pin", "4321"}, {"pni", "4321"}});
  EXPECT_EQ(handled.response.status, 400);
  EXPECT_NE(detail(handled).find("'pni'"), std::string::npos) << detail(handled);
  EXPECT_EQ(handled.response.body.find("4321"), std::string::npos);
  EXPECT_EQ(backend_.lastPinLength, 0u);

  const auto other = post("/v1/practitioner/authenticate", {{"challengeNonce", kNonce}, {"x", 1}},
                          /*fromBrowser=*/true);
  EXPECT_EQ(other.response.status, 400);
  EXPECT_NE(detail(other).find("'x'"), std::string::npos) << detail(other);
  EXPECT_EQ(backend_.lastNonce, "");
}

TEST_F(SessionRoutesTest, PinErrorsOfTheCardAreProblemsAndAudited) {
  backend_.sessionError = std::make_exception_ptr(
      PinError(Errc::PinIncorrect, 2, "wrong PIN, 2 tries left", "check the PIN"));
  backend_.session.reset();
  const auto handled = post("/v1/practitioner/session", {{"pin", "1111"}});
  EXPECT_EQ(code(handled), "pin-incorrect");
  EXPECT_GE(handled.response.status, 400);
  const AuditEntry& entry = onlyAuditLine();
  EXPECT_EQ(entry.outcome, "pin-incorrect");
  EXPECT_EQ(entry.practitioner, std::nullopt);

  backend_.sessionError =
      std::make_exception_ptr(PinError(Errc::PinLastTry, 1, "one try left; not sent"));
  const auto lastTry = post("/v1/practitioner/session", {{"pin", "1111"}});
  EXPECT_EQ(lastTry.response.status, 428);
  EXPECT_EQ(code(lastTry), "pin-last-try");
}

TEST_F(SessionRoutesTest, ClosingTheSessionAnswers200AndNamesWhoseItWas) {
  const auto handled = send("DELETE", "/v1/practitioner/session");
  EXPECT_EQ(handled.response.status, 200);
  EXPECT_EQ(parsed(handled), json({{"closed", true}}));
  const AuditEntry& entry = onlyAuditLine();
  EXPECT_EQ(entry.action, "practitioner-session.close");
  EXPECT_EQ(entry.practitioner, "Dr Test");
  EXPECT_EQ(entry.outcome, "ok");

  backend_.session.reset();
  EXPECT_EQ(parsed(send("DELETE", "/v1/practitioner/session")), json({{"closed", false}}));
}

TEST_F(SessionRoutesTest, WrongMethodsAre405WithAllow) {
  const std::vector<std::tuple<std::string, std::string, std::string>> cases = {
      {"GET", "/v1/practitioner/session", "POST, DELETE"},
      {"PUT", "/v1/practitioner/session", "POST, DELETE"},
      {"GET", "/v1/practitioner/authenticate", "POST"},
      {"DELETE", "/v1/practitioner/authenticate", "POST"},
      {"GET", "/v1/record-access", "POST"},
      {"POST", "/v1/status", "GET"},
  };
  for (const auto& [method, target, allow] : cases) {
    SCOPED_TRACE(method + " " + target);
    const auto handled = send(method, target);
    EXPECT_EQ(handled.response.status, 405);
    EXPECT_EQ(code(handled), "method-not-allowed");
    EXPECT_EQ(singleHeader(handled.response.headers, "Allow"), allow);
  }
  // "POST, DELETE" is a list, not a method.
  EXPECT_EQ(send("POST, DELETE", "/v1/practitioner/session").response.status, 405);
  EXPECT_EQ(send("DELETE,", "/v1/practitioner/session").response.status, 405);
  EXPECT_TRUE(audit_.empty());
  EXPECT_EQ(backend_.lastPinLength, 0u);
}

// ---------------------------------------------------------------- authenticate

TEST_F(SessionRoutesTest, ABrowserTokenIsBoundToItsOrigin) {
  const auto handled =
      post("/v1/practitioner/authenticate", {{"challengeNonce", kNonce}}, /*fromBrowser=*/true);
  EXPECT_EQ(handled.response.status, 200);
  EXPECT_EQ(parsed(handled)["format"], "web-eid:1.0");
  EXPECT_EQ(backend_.lastOrigin, kBrowser);
  EXPECT_EQ(backend_.lastNonce, kNonce);
  const AuditEntry& entry = onlyAuditLine();
  EXPECT_EQ(entry.action, "practitioner.authenticate");
  EXPECT_EQ(entry.caller, "origin " + kBrowser);
  EXPECT_EQ(entry.practitioner, "Dr Test");
  EXPECT_EQ(entry.outcome, "ok");
  EXPECT_EQ(entry.details.at("origin"), kBrowser);
  EXPECT_EQ(entry.details.at("algorithm"), "RS256");
}

TEST_F(SessionRoutesTest, ANativeApplicationNeedsAConfiguredOrigin) {
  const auto refused = post("/v1/practitioner/authenticate", {{"challengeNonce", kNonce}});
  EXPECT_EQ(refused.response.status, 400);
  EXPECT_EQ(code(refused), "origin-invalid");
  EXPECT_NE(detail(refused).find("app_origins"), std::string::npos) << detail(refused);
  EXPECT_EQ(backend_.lastNonce, "");
  EXPECT_EQ(onlyAuditLine().outcome, "origin-invalid");

  audit_.clear();
  policy_.appOrigins = {{"pharmacy", "https://pharmacy.example:8443"}};
  const auto handled = post("/v1/practitioner/authenticate", {{"challengeNonce", kNonce}});
  EXPECT_EQ(handled.response.status, 200);
  EXPECT_EQ(backend_.lastOrigin, "https://pharmacy.example:8443");
  EXPECT_EQ(onlyAuditLine().details.at("origin"), "https://pharmacy.example:8443");
}

TEST_F(SessionRoutesTest, TheChallengeNonceIsChecked) {
  const std::vector<json> bodies = {
      json::object(),
      {{"challengeNonce", ""}},
      {{"challengeNonce", kNonce.substr(0, 43)}},
      {{"challengeNonce", std::string(129, 'A')}},
      {{"challengeNonce", kNonce.substr(0, 44) + "!!!!"}},
  };
  for (const json& body : bodies) {
    SCOPED_TRACE(body.dump());
    audit_.clear();
    const auto handled = post("/v1/practitioner/authenticate", body, /*fromBrowser=*/true);
    EXPECT_EQ(handled.response.status, 400);
    EXPECT_EQ(code(handled), "nonce-invalid");
    EXPECT_EQ(onlyAuditLine().outcome, "nonce-invalid");
  }
  EXPECT_EQ(backend_.lastNonce, "");
  // A nonce of the wrong type is a malformed request.
  EXPECT_EQ(code(post("/v1/practitioner/authenticate", {{"challengeNonce", 42}}, true)),
            "bad-request");
}

TEST_F(SessionRoutesTest, WithoutASessionTheBackendSaysSo) {
  backend_.session.reset();
  backend_.sessionError = std::make_exception_ptr(
      Error(Errc::SessionRequired, "no practitioner session is open", "open one"));
  const auto handled =
      post("/v1/practitioner/authenticate", {{"challengeNonce", kNonce}}, /*fromBrowser=*/true);
  EXPECT_EQ(handled.response.status, 403);
  EXPECT_EQ(code(handled), "practitioner-session-required");
  const AuditEntry& entry = onlyAuditLine();
  EXPECT_EQ(entry.outcome, "practitioner-session-required");
  EXPECT_EQ(entry.practitioner, std::nullopt);
}

// ---------------------------------------------------------------- record access

TEST_F(SessionRoutesTest, ARecordAccessAssertionIsIssuedAndAudited) {
  json body = recordBody();
  body["reader"] = "Reader A";
  const auto handled = post("/v1/record-access", body, /*fromBrowser=*/true);
  EXPECT_EQ(handled.response.status, 200);
  EXPECT_EQ(parsed(handled)["assertion"], "a.b.c");
  EXPECT_EQ(parsed(handled)["claims"]["jti"], "J1");
  ASSERT_TRUE(backend_.lastRecordAccess);
  const RecordAccessRequest& request = *backend_.lastRecordAccess;
  EXPECT_EQ(request.audience, kAudience);
  EXPECT_EQ(request.nonce, kNonce);
  EXPECT_EQ(request.purpose, "normal");
  EXPECT_EQ(request.origin, kBrowser);
  EXPECT_EQ(request.patient, std::nullopt);
  EXPECT_EQ(request.justification, std::nullopt);
  EXPECT_EQ(request.patientReader, "Reader A");

  const AuditEntry& entry = onlyAuditLine();
  EXPECT_EQ(entry.action, "record-access.issue");
  EXPECT_EQ(entry.outcome, "ok");
  EXPECT_EQ(entry.practitioner, "Dr Test");
  EXPECT_EQ(entry.cardSerialHash, backend_.serialHash);
  EXPECT_EQ(entry.details.at("audience"), kAudience);
  EXPECT_EQ(entry.details.at("purpose"), "normal");
  EXPECT_EQ(entry.details.at("origin"), kBrowser);
  EXPECT_EQ(entry.details.at("jti"), "J1");
  EXPECT_EQ(entry.details.at("patientIdType"), "given");
  EXPECT_EQ(entry.details.count("justification"), 0u);
}

TEST_F(SessionRoutesTest, APatientGivenByTheCallerReachesTheBackend) {
  policy_.appOrigins = {{"pharmacy", "https://pharmacy.example"}};
  json body = recordBody();
  body["patient"] = "1850375123456";
  body["purpose"] = "centre_15";
  EXPECT_EQ(post("/v1/record-access", body).response.status, 200);
  ASSERT_TRUE(backend_.lastRecordAccess);
  EXPECT_EQ(backend_.lastRecordAccess->patient, "1850375123456");
  EXPECT_EQ(backend_.lastRecordAccess->purpose, "centre_15");
  EXPECT_EQ(backend_.lastRecordAccess->origin, "https://pharmacy.example");
}

TEST_F(SessionRoutesTest, ThePurposeMustBeKnown) {
  for (const json& purpose : {json("emergency"), json(""), json("NORMAL")}) {
    json body = recordBody();
    body["purpose"] = purpose;
    const auto handled = post("/v1/record-access", body, true);
    EXPECT_EQ(handled.response.status, 400) << purpose;
    EXPECT_EQ(code(handled), "purpose-invalid") << purpose;
  }
  json missing = recordBody();
  missing.erase("purpose");
  EXPECT_EQ(code(post("/v1/record-access", missing, true)), "purpose-invalid");
  EXPECT_FALSE(backend_.lastRecordAccess);
  EXPECT_EQ(audit_.size(), 4u);
  for (const auto& entry : audit_) EXPECT_EQ(entry.outcome, "purpose-invalid");
}

TEST_F(SessionRoutesTest, AnEmergencyAccessNeedsAJustification) {
  json body = recordBody();
  body["purpose"] = "bris_de_glace";
  const auto refused = post("/v1/record-access", body, true);
  EXPECT_EQ(refused.response.status, 400);
  EXPECT_EQ(code(refused), "justification-required");
  EXPECT_FALSE(backend_.lastRecordAccess);
  EXPECT_EQ(onlyAuditLine().outcome, "justification-required");

  audit_.clear();
  body["justification"] = "patient unconscious, no relative reachable";
  EXPECT_EQ(post("/v1/record-access", body, true).response.status, 200);
  ASSERT_TRUE(backend_.lastRecordAccess);
  EXPECT_EQ(backend_.lastRecordAccess->justification, "patient unconscious, no relative reachable");
  EXPECT_EQ(onlyAuditLine().details.at("justification"),
            "patient unconscious, no relative reachable");
}

TEST_F(SessionRoutesTest, TheRecordAccessFieldsAreChecked) {
  const auto check = [this](json body, const std::string& expectedCode, const std::string& named) {
    SCOPED_TRACE(body.dump());
    const auto handled = post("/v1/record-access", body, true);
    EXPECT_EQ(handled.response.status, 400);
    EXPECT_EQ(code(handled), expectedCode);
    EXPECT_NE(detail(handled).find(named), std::string::npos) << detail(handled);
  };
  json body = recordBody();
  body.erase("nonce");
  check(body, "nonce-invalid", "nonce");
  body = recordBody();
  body["nonce"] = kNonce.substr(0, 43);
  check(body, "nonce-invalid", "");
  body = recordBody();
  body.erase("audience");
  check(body, "bad-request", "audience");
  body["audience"] = std::string(513, 'a');
  check(body, "bad-request", "audience");
  body = recordBody();
  body["patient"] = std::string(65, '1');
  check(body, "bad-request", "patient");
  body = recordBody();
  body["justification"] = "";
  check(body, "bad-request", "justification");
  body = recordBody();
  body["patients"] = "1";
  check(body, "bad-request", "'patients'");
  body = recordBody();
  body["reader"] = 3;
  check(body, "bad-request", "reader");
  for (const json& rank : {json(0), json(100), json("2"), json(1.5)}) {
    body = recordBody();
    body["beneficiary"] = rank;
    check(body, "bad-request", "beneficiary");
  }
  body = recordBody();
  body["beneficiary"] = 2;
  body["patient"] = "1850375123456";
  check(body, "bad-request", "not both");
  EXPECT_FALSE(backend_.lastRecordAccess);
}

TEST_F(SessionRoutesTest, ANativeRecordAccessNeedsAConfiguredOrigin) {
  const auto refused = post("/v1/record-access", recordBody());
  EXPECT_EQ(code(refused), "origin-invalid");
  EXPECT_FALSE(backend_.lastRecordAccess);
}

// ---------------------------------------------------------------- no trace, no token

TEST_F(SessionRoutesTest, WhatCannotBeAuditedIsNotReturned) {
  auditFails_ = true;
  const auto token =
      post("/v1/practitioner/authenticate", {{"challengeNonce", kNonce}}, /*fromBrowser=*/true);
  EXPECT_EQ(token.response.status, 500);
  EXPECT_EQ(code(token), "internal");
  EXPECT_EQ(token.response.body.find("web-eid"), std::string::npos);

  const auto assertion = post("/v1/record-access", recordBody(), /*fromBrowser=*/true);
  EXPECT_EQ(assertion.response.status, 500);
  EXPECT_EQ(assertion.response.body.find("a.b.c"), std::string::npos);
  EXPECT_EQ(assertion.response.body.find("J1"), std::string::npos);

  const auto opened = post("/v1/practitioner/session", {{"pin", "1234"}});
  EXPECT_EQ(opened.response.status, 500);
  EXPECT_EQ(opened.response.body.find("TEST"), std::string::npos);
  EXPECT_EQ(send("DELETE", "/v1/practitioner/session").response.status, 500);
}

TEST_F(SessionRoutesTest, TheBodiesMustBeJsonObjects) {
  for (const std::string& target :
       {std::string("/v1/practitioner/authenticate"), std::string("/v1/record-access")}) {
    SCOPED_TRACE(target);
    EXPECT_EQ(code(send("POST", target, "[1]", true)), "bad-request");
    EXPECT_EQ(code(send("POST", target, "{\"nonce\":", true)), "bad-request");
    EXPECT_EQ(code(send("POST", target, "", true)), "bad-request");
  }
  EXPECT_EQ(backend_.lastNonce, "");
  EXPECT_FALSE(backend_.lastRecordAccess);
}

// ---------------------------------------------------------------- the session's owner

TEST_F(SessionRoutesTest, OpeningBindsTheSessionToTheCallerAndAnswersItsToken) {
  backend_.sessionToken = "T0k3n";
  const auto handled = post("/v1/practitioner/session", {{"pin", "1234"}}, /*fromBrowser=*/true);
  EXPECT_EQ(handled.response.status, 201);
  EXPECT_EQ(parsed(handled)["sessionToken"], "T0k3n");
  ASSERT_TRUE(backend_.lastOpener);
  EXPECT_EQ(backend_.lastOpener->identity, "origin " + kBrowser);
  EXPECT_EQ(backend_.lastOpener->uid, 1000u);
  EXPECT_EQ(flatten(onlyAuditLine()).find("T0k3n"), std::string::npos);
}

// Issue 14, attack 3: another origin (or application, or user) using the
// session someone else opened. Every call that uses it needs the token and
// the opener's identity; the refusal is audited and reaches no card.
TEST_F(SessionRoutesTest, EveryCallThatUsesTheSessionNeedsItsTokenFromItsOpener) {
  backend_.sessionToken = "T0k3n";
  backend_.sessionOwner = SessionCaller{"origin " + kBrowser, 1000};
  policy_.appOrigins = {{"pharmacy", "https://pharmacy.example"}};  // refused for the session only
  const Header token{"HCBridge-Session", "T0k3n"};
  struct Call {
    std::string method, target;
    json body;
  };
  json recordForPatient = recordBody();
  recordForPatient["patient"] = "1850375123456";
  const std::vector<Call> calls = {
      {"GET", "/v1/patient-card", nullptr},
      {"POST", "/v1/practitioner/authenticate", {{"challengeNonce", kNonce}}},
      {"POST", "/v1/record-access", recordBody()},
      {"POST", "/v1/record-access", recordForPatient},
      {"DELETE", "/v1/practitioner/session", nullptr},
  };
  for (const Call& call : calls) {
    SCOPED_TRACE(call.method + " " + call.target);
    const std::string body = call.body.is_null() ? "" : call.body.dump();
    const auto attempt = [&](bool fromBrowser, std::vector<Header> headers) {
      audit_.clear();
      backend_.cardReads = 0;
      return send(call.method, call.target, body, fromBrowser, std::move(headers));
    };
    // No token; a wrong one; the token twice; the token from the application; from another user.
    const std::vector<std::pair<bool, std::vector<Header>>> refused = {
        {true, {}},
        {true, {{"HCBridge-Session", "guess"}}},
        {true, {token, token}},
        {false, {token}},
    };
    for (const auto& [fromBrowser, headers] : refused) {
      const auto handled = attempt(fromBrowser, headers);
      EXPECT_EQ(handled.response.status, 403);
      EXPECT_EQ(code(handled), "session-not-yours");
      EXPECT_EQ(onlyAuditLine().outcome, "session-not-yours");
      EXPECT_EQ(backend_.cardReads, 0);
    }
    peerUid_ = 1001;
    EXPECT_EQ(code(attempt(true, {token})), "session-not-yours");
    peerUid_ = 1000;
    const auto allowed = attempt(true, {token});
    EXPECT_EQ(allowed.response.status, 200) << allowed.response.body;
    EXPECT_EQ(onlyAuditLine().outcome, "ok");
  }
}

TEST_F(SessionRoutesTest, ARecordAccessPinIsTakenAwayAndNeverAudited) {
  json body = recordBody();
  body["patient"] = "1850375123456";
  body["pin"] = "4321";
  body["confirmLastTry"] = true;
  const auto handled = post("/v1/record-access", body, /*fromBrowser=*/true);
  EXPECT_EQ(handled.response.status, 200) << handled.response.body;
  EXPECT_EQ(backend_.lastRecordAccessPinLength, 4u);
  ASSERT_TRUE(backend_.lastRecordAccess);
  EXPECT_TRUE(backend_.lastRecordAccess->confirmLastTry);
  const AuditEntry& entry = onlyAuditLine();
  EXPECT_EQ(flatten(entry).find("4321"), std::string::npos) << flatten(entry);
  EXPECT_EQ(entry.details.at("patientCard"), "absent");
  EXPECT_EQ(entry.details.at("practitionerProof"), "pin");

  audit_.clear();
  body["pin"] = 4321;
  const auto refused = post("/v1/record-access", body, /*fromBrowser=*/true);
  EXPECT_EQ(code(refused), "bad-request");
  EXPECT_EQ(refused.response.body.find("4321"), std::string::npos);
}

TEST_F(SessionRoutesTest, APinAttemptTooSoonSaysWhenToRetry) {
  backend_.sessionError = std::make_exception_ptr(RetryLaterError(
      Errc::PinAttemptTooSoon, std::chrono::seconds(5), "a wrong PIN was sent moments ago"));
  const auto handled = post("/v1/practitioner/session", {{"pin", "1234"}});
  EXPECT_EQ(handled.response.status, 429);
  EXPECT_EQ(code(handled), "pin-attempt-too-soon");
  EXPECT_EQ(parsed(handled)["retryAfterSeconds"], 5);
  const auto retryAfter = singleHeader(handled.response.headers, "Retry-After");
  ASSERT_TRUE(retryAfter);
  EXPECT_EQ(*retryAfter, "5");
}

// ---------------------------------------------------------------- the patient's view

TEST_F(SessionRoutesTest, ThePatientSeesWhoAccessedTheirCardsDataHere) {
  backend_.sessionToken = "T0k3n";
  backend_.sessionOwner = SessionCaller{"origin " + kBrowser, 1000};
  const auto shown = send("GET", "/v1/patient-card/accesses?reader=Reader%20A", "", true,
                          {{"HCBridge-Session", "T0k3n"}});
  ASSERT_EQ(shown.response.status, 200) << shown.response.body;
  EXPECT_EQ(historyAskedFor_, std::vector<std::string>{backend_.serialHash});
  const json accesses = parsed(shown)["accesses"];
  ASSERT_EQ(accesses.size(), 1u);
  EXPECT_EQ(accesses[0]["practitioner"], "cps 10101201234");
  EXPECT_EQ(accesses[0]["purpose"], "bris_de_glace");
  EXPECT_EQ(accesses[0]["justification"], "unconscious");
  EXPECT_EQ(accesses[0]["caller"], "origin https://dmp.example");
  EXPECT_EQ(backend_.requestedReaders().back(), "Reader A");
  // Showing the accesses is an access too.
  const AuditEntry& entry = onlyAuditLine();
  EXPECT_EQ(entry.action, "patient-card.accesses");
  EXPECT_EQ(entry.cardSerialHash, backend_.serialHash);
  EXPECT_EQ(entry.outcome, "ok");
}

TEST_F(SessionRoutesTest, ThePatientsViewIsTheSessionOwnersAlone) {
  backend_.sessionToken = "T0k3n";
  backend_.sessionOwner = SessionCaller{"origin " + kBrowser, 1000};
  for (const bool fromBrowser : {true, false}) {
    audit_.clear();
    const auto refused = send("GET", "/v1/patient-card/accesses", "", fromBrowser,
                              {{"HCBridge-Session", fromBrowser ? "guess" : "T0k3n"}});
    EXPECT_EQ(code(refused), "session-not-yours");
    EXPECT_EQ(onlyAuditLine().outcome, "session-not-yours");
  }
  EXPECT_TRUE(historyAskedFor_.empty());
  EXPECT_EQ(backend_.cardReads, 0);
  audit_.clear();
  EXPECT_EQ(code(send("GET", "/v1/patient-card/accesses?fields=x", "", true,
                      {{"HCBridge-Session", "T0k3n"}})),
            "bad-request");
}

}  // namespace
}  // namespace hcbridge::api
