// Policy + router without a network: endpoints, fields, session rule,
// audit lines, not-found and method-not-allowed.
#include "hcbridge/api/router.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

#include "fake_backend.hpp"
#include "hcbridge/api/model_json.hpp"
#include "hcbridge/api/request_handler.hpp"
#include "hcbridge/error.hpp"

namespace hcbridge::api {
namespace {

using testing::FakeBackend;

class RouterTest : public ::testing::Test {
 protected:
  RouterTest() { policy_.port = 8971; }

  HandledRequest get(const std::string& target, std::string method = "GET", std::string body = {}) {
    std::optional<HandledRequest> result;
    send(
        [this](const AuditEntry& e) {
          if (auditFails_) throw std::runtime_error("disk full");
          audit_.push_back(e);
        },
        target, result, std::move(method), std::move(body));
    EXPECT_TRUE(result) << "the fake completes synchronously";
    return result.value_or(HandledRequest{});
  }
  // The request through a handler with this audit sink; `result` is set when it answers.
  void send(AuditSink audit, const std::string& target, std::optional<HandledRequest>& result,
            std::string method = "GET", std::string body = {}) {
    RequestHandler handler(
        backend_, policy_,
        [](std::string_view key) -> std::optional<std::string> {
          if (key == "k") return "pharmacy";
          return std::nullopt;
        },
        std::move(audit));
    handler.handle({std::move(method),
                    target,
                    {{"Host", "localhost:8971"}, {"Authorization", "Bearer k"}},
                    std::move(body)},
                   [&result](HandledRequest handled) { result = std::move(handled); });
  }
  // A GET straight to `router` by an app, expected to answer 200.
  static void readOk(Router& router, const std::string& target) {
    Caller caller;
    caller.app = "pharmacy";
    int status = 0;
    router.route({"GET", target, {}, {}}, caller, [&status](Response r) { status = r.status; });
    EXPECT_EQ(status, 200) << target;
  }
  static nlohmann::json json(const HandledRequest& h) {
    return nlohmann::json::parse(h.response.body);
  }

  FakeBackend backend_;
  Policy policy_;
  std::vector<AuditEntry> audit_;
  bool auditFails_ = false;
};

TEST_F(RouterTest, StatusAndReaders) {
  const auto status = get("/v1/status");
  EXPECT_EQ(status.response.status, 200);
  EXPECT_EQ(json(status)["transport"], "simulated");
  EXPECT_EQ(status.caller, "app pharmacy");

  const auto readers = json(get("/v1/readers"))["readers"];
  ASSERT_EQ(readers.size(), 2u);
  EXPECT_EQ(readers[0]["name"], "Reader A");
  EXPECT_EQ(readers[0]["cardType"], "vitale");
  EXPECT_TRUE(readers[1]["cardType"].is_null());
  EXPECT_FALSE(readers[1]["cardPresent"]);
}

// The readers' body is kept between requests: it must follow every change.
TEST_F(RouterTest, ReadersFollowEveryChangeOfTheReaders) {
  RequestHandler handler(
      backend_, policy_, [](std::string_view) { return std::optional<std::string>("pharmacy"); },
      nullptr);
  const auto readers = [&handler] {
    std::optional<HandledRequest> result;
    handler.handle(
        {"GET", "/v1/readers", {{"Host", "localhost:8971"}, {"Authorization", "Bearer k"}}, {}},
        [&result](HandledRequest handled) { result = std::move(handled); });
    return nlohmann::json::parse(result.value().response.body)["readers"];
  };
  EXPECT_FALSE(readers()[1]["cardPresent"]);
  EXPECT_FALSE(readers()[1]["cardPresent"]);  // the kept body
  backend_.readerList[1].cardPresent = true;
  backend_.readerList[1].cardType = "cps";
  EXPECT_TRUE(readers()[1]["cardPresent"]);
  EXPECT_EQ(readers()[1]["cardType"], "cps");
  backend_.readerList.pop_back();
  EXPECT_EQ(readers().size(), 1u);
  backend_.readerList.clear();
  EXPECT_EQ(readers().size(), 0u);
}

// A kept card body (rendered_reads.hpp) leaves memory with its card.
TEST_F(RouterTest, AKeptCardBodyGoesWhenItsCardLeaves) {
  Router router(backend_, policy_, [](const AuditEntry&) {});
  const auto read = [&router](const std::string& target) { readOk(router, target); };
  const auto inserted = [this] {
    backend_.publish(ServiceEvent::cardInserted("Reader A", "vitale"));
  };
  read("/v1/patient-card");  // Reader A's card was announced before the router started
  read("/v1/patient-card?fields=insurer");
  EXPECT_EQ(router.keptCardBodies(), 2u);
  // Another reader's events leave this card's bodies alone.
  backend_.publish(ServiceEvent::ofReader(ServiceEvent::Type::CardRemoved, "Reader B"));
  EXPECT_EQ(router.keptCardBodies(), 2u);
  // The card is pulled: its data does not wait for the next read to go.
  backend_.publish(ServiceEvent::ofReader(ServiceEvent::Type::CardRemoved, "Reader A"));
  EXPECT_EQ(router.keptCardBodies(), 0u);
  inserted();
  read("/v1/patient-card");
  EXPECT_EQ(router.keptCardBodies(), 1u);
  inserted();  // another card, its predecessor's removal missed
  EXPECT_EQ(router.keptCardBodies(), 0u);
  read("/v1/patient-card");
  backend_.publish(ServiceEvent::ofReader(ServiceEvent::Type::ReaderRemoved, "Reader A"));
  EXPECT_EQ(router.keptCardBodies(), 0u);
  inserted();
  read("/v1/patient-card");
  EXPECT_EQ(router.keptCardBodies(), 1u);
  backend_.publish(ServiceEvent::ofService(ServiceEvent::Type::ServiceLost));
  EXPECT_EQ(router.keptCardBodies(), 0u);
}

// A card pulled while its read was under way: the read answers with what it
// read, but its body is not kept for later reads.
TEST_F(RouterTest, ACardThatLeftDuringItsReadLeavesNoKeptBody) {
  Router router(backend_, policy_, [](const AuditEntry&) {});
  const auto read = [&router](const std::string& target) { readOk(router, target); };
  // Pulled and put back during the read: announced again, yet that read
  // may hold the data of the card that left.
  backend_.whileReading = [this] {
    backend_.publish(ServiceEvent::ofReader(ServiceEvent::Type::CardRemoved, "Reader A"));
    backend_.publish(ServiceEvent::cardInserted("Reader A", "vitale"));
  };
  read("/v1/patient-card");
  EXPECT_EQ(router.keptCardBodies(), 0u);
  read("/v1/practitioner-card");
  EXPECT_EQ(router.keptCardBodies(), 0u);
  backend_.whileReading = nullptr;
  read("/v1/patient-card");
  EXPECT_EQ(router.keptCardBodies(), 1u);
}

// A card pulled before it was announced gets no card.removed: a read of it
// answers but keeps nothing.
TEST_F(RouterTest, ACardNotAnnouncedLeavesNoKeptBody) {
  Router router(backend_, policy_, [](const AuditEntry&) {});
  backend_.publish(ServiceEvent::ofReader(ServiceEvent::Type::CardRemoved, "Reader A"));
  readOk(router, "/v1/patient-card?reader=Reader%20A");
  readOk(router, "/v1/practitioner-card?reader=Reader%20A");
  EXPECT_EQ(router.keptCardBodies(), 0u);
}

// Card reads' bodies are kept between requests (rendered_reads.hpp): they
// must follow every change of the card, and a kept body must never answer
// another field selection.
TEST_F(RouterTest, CardBodiesFollowEveryChangeOfTheCard) {
  RequestHandler handler(
      backend_, policy_, [](std::string_view) { return std::optional<std::string>("pharmacy"); },
      [this](const AuditEntry& entry) { audit_.push_back(entry); });
  const auto get = [&handler](const std::string& target) {
    std::optional<HandledRequest> result;
    handler.handle({"GET", target, {{"Host", "localhost:8971"}, {"Authorization", "Bearer k"}}, {}},
                   [&result](HandledRequest handled) { result = std::move(handled); });
    return result.value().response;
  };
  const auto patient = [&get](const std::string& target) {
    const Response response = get(target);
    EXPECT_EQ(response.status, 200) << target << ": " << response.body;
    return nlohmann::json::parse(response.body);
  };
  EXPECT_EQ(patient("/v1/patient-card"), toJson(CardModel(backend_.patientCard)));
  EXPECT_EQ(patient("/v1/patient-card"), toJson(CardModel(backend_.patientCard)));  // kept
  backend_.patientCard.beneficiaries[0].surname = "UPDATED";
  EXPECT_EQ(patient("/v1/patient-card")["beneficiaries"][0]["surname"], "UPDATED");

  EXPECT_EQ(patient("/v1/patient-card?fields=insurer").size(), 1u);
  // "all" is not a field, whatever the service calls its own keys.
  EXPECT_EQ(get("/v1/patient-card?fields=all").status, 400);
  EXPECT_EQ(patient("/v1/patient-card?fields=insurer,beneficiaries").size(), 2u);
  backend_.patientCard.insurer.name = "Another insurer";
  EXPECT_EQ(patient("/v1/patient-card?fields=insurer")["insurer"]["name"], "Another insurer");
  // Another card in the same reader: its data, not the kept one.
  backend_.serialHash = "another-card";
  backend_.patientCard.beneficiaries[0].surname = "OTHER";
  EXPECT_EQ(patient("/v1/patient-card")["beneficiaries"][0]["surname"], "OTHER");

  // Each kept answer is still audited, with the fields it holds.
  ASSERT_EQ(audit_.size(), 8u);
  EXPECT_EQ(audit_[1].fields, audit_[0].fields);
  EXPECT_EQ(audit_[3].fields, (std::vector<std::string>{"insurer"}));
  EXPECT_EQ(audit_[4].outcome, "bad-request");
  EXPECT_EQ(audit_[5].fields, (std::vector<std::string>{"beneficiaries", "insurer"}));
  EXPECT_EQ(audit_[7].cardSerialHash, "another-card");
  EXPECT_EQ(backend_.cardReads, 8);  // every request asked the backend: the card decides

  EXPECT_EQ(nlohmann::json::parse(get("/v1/practitioner-card").body)["surname"],
            backend_.practitionerCard.surname);
  backend_.practitionerCard.surname = "Changed";
  EXPECT_EQ(nlohmann::json::parse(get("/v1/practitioner-card").body)["surname"], "Changed");
}

TEST_F(RouterTest, PatientCardReturnsEverythingAndAuditsFieldNames) {
  const auto handled = get("/v1/patient-card?reader=Reader%20A");
  EXPECT_EQ(handled.response.status, 200);
  EXPECT_EQ(json(handled), toJson(CardModel(backend_.patientCard)));
  ASSERT_EQ(backend_.requestedReaders().size(), 1u);
  EXPECT_EQ(backend_.requestedReaders()[0], "Reader A");
  ASSERT_EQ(audit_.size(), 1u);
  const AuditEntry& entry = audit_[0];
  EXPECT_EQ(entry.action, "patient-card.read");
  EXPECT_EQ(entry.caller, "app pharmacy");
  EXPECT_EQ(entry.practitioner, "Dr Test");
  EXPECT_EQ(entry.cardSerialHash, "c0ffee-serial-hash");
  EXPECT_EQ(entry.outcome, "ok");
  EXPECT_EQ(entry.fields.size(), toJson(backend_.patientCard).size());
}

TEST_F(RouterTest, AReadThatCannotBeAuditedReturnsNoData) {
  auditFails_ = true;
  const auto handled = get("/v1/patient-card");
  EXPECT_EQ(handled.response.status, 500);
  EXPECT_EQ(json(handled)["code"], "internal");
  EXPECT_EQ(handled.response.body.find(toJson(backend_.patientCard).dump()), std::string::npos);
  EXPECT_NE(json(handled)["detail"].get<std::string>().find("audit log"), std::string::npos);
}

// Group commit: the audit sink tells later, from its writer thread, that
// the line is durable; the data may leave only then.
TEST_F(RouterTest, TheDataWaitsUntilItsAuditLineIsDurable) {
  std::vector<AuditWritten> pending;
  std::optional<HandledRequest> result;
  send([&pending](const AuditEntry&, AuditWritten written) { pending.push_back(written); },
       "/v1/patient-card", result);
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_FALSE(result) << "answered before its audit line was durable";
  pending[0](nullptr);
  ASSERT_TRUE(result);
  EXPECT_EQ(result->response.status, 200);
  EXPECT_EQ(json(*result), toJson(CardModel(backend_.patientCard)));
}

TEST_F(RouterTest, ALineTheWriterCouldNotMakeDurableReturnsNoData) {
  std::vector<AuditWritten> pending;
  std::optional<HandledRequest> result;
  send([&pending](const AuditEntry&, AuditWritten written) { pending.push_back(written); },
       "/v1/patient-card", result);
  ASSERT_EQ(pending.size(), 1u);
  pending[0](std::make_exception_ptr(Error(Errc::Internal, "Cannot flush the audit log")));
  ASSERT_TRUE(result);
  EXPECT_EQ(result->response.status, 500);
  EXPECT_EQ(json(*result)["code"], "internal");
  EXPECT_EQ(result->response.body.find(toJson(backend_.patientCard).dump()), std::string::npos);
}

TEST_F(RouterTest, FieldsSelectTopLevelKeys) {
  const auto handled = get("/v1/patient-card?fields=beneficiaries,insurer,insurer");
  ASSERT_EQ(handled.response.status, 200);
  const auto body = json(handled);
  EXPECT_EQ(body.size(), 2u);
  EXPECT_EQ(body["insurer"]["name"], "CPAM Test");
  EXPECT_FALSE(body.contains("cardSerial"));
  ASSERT_EQ(audit_.size(), 1u);
  EXPECT_EQ(audit_[0].fields, (std::vector<std::string>{"beneficiaries", "insurer"}));
  EXPECT_EQ(backend_.requestedReaders()[0], std::nullopt);
}

TEST_F(RouterTest, UnknownFieldListsTheValidOnes) {
  const auto handled = get("/v1/patient-card?fields=insurer,shoeSize");
  EXPECT_EQ(handled.response.status, 400);
  const std::string detail = json(handled)["detail"];
  EXPECT_NE(detail.find("shoeSize"), std::string::npos);
  EXPECT_NE(detail.find("beneficiaries"), std::string::npos);
  ASSERT_EQ(audit_.size(), 1u);
  EXPECT_EQ(audit_[0].outcome, "bad-request");
  EXPECT_TRUE(audit_[0].fields.empty());
}

TEST_F(RouterTest, EmptyFieldsAndUnknownParametersAreBadRequests) {
  EXPECT_EQ(get("/v1/patient-card?fields=").response.status, 400);
  EXPECT_EQ(get("/v1/patient-card?fields=a,,b").response.status, 400);
  EXPECT_EQ(get("/v1/patient-card?raeder=x").response.status, 400);
  EXPECT_EQ(get("/v1/patient-card?reader=a&reader=b").response.status, 400);
  EXPECT_EQ(get("/v1/patient-card?reader=%zz").response.status, 400);
  EXPECT_EQ(get("/v1/status?verbose=1").response.status, 400);
  EXPECT_EQ(backend_.cardReads, 0);
  EXPECT_EQ(audit_.size(), 5u);  // every patient-card request leaves a line
}

TEST_F(RouterTest, PatientCardNeedsAPractitionerSession) {
  backend_.session.reset();
  const auto handled = get("/v1/patient-card");
  EXPECT_EQ(handled.response.status, 403);
  EXPECT_EQ(json(handled)["code"], "practitioner-session-required");
  EXPECT_EQ(backend_.cardReads, 0);
  ASSERT_EQ(audit_.size(), 1u);
  EXPECT_EQ(audit_[0].outcome, "practitioner-session-required");
  EXPECT_EQ(audit_[0].practitioner, std::nullopt);
}

TEST_F(RouterTest, SessionRuleCanBeRelaxedByPolicy) {
  backend_.session.reset();
  policy_.requirePractitionerSession = false;
  EXPECT_EQ(get("/v1/patient-card").response.status, 200);
}

TEST_F(RouterTest, BackendErrorsBecomeProblemsAndAreAudited) {
  backend_.readError = std::make_exception_ptr(
      Error(Errc::CardAbsent, "no card in Reader A", "insert the patient's card"));
  const auto handled = get("/v1/patient-card");
  EXPECT_EQ(handled.response.status, 409);
  EXPECT_EQ(json(handled)["code"], "card-absent");
  EXPECT_EQ(json(handled)["detail"], "no card in Reader A. insert the patient's card");
  ASSERT_EQ(audit_.size(), 1u);
  EXPECT_EQ(audit_[0].outcome, "card-absent");
}

TEST_F(RouterTest, PractitionerCardIsNotAudited) {
  const auto handled = get("/v1/practitioner-card?reader=Reader%20B");
  EXPECT_EQ(handled.response.status, 200);
  EXPECT_EQ(json(handled)["surname"], "DOC");
  EXPECT_TRUE(audit_.empty());
}

TEST_F(RouterTest, OpenApiDocumentListsExactlyTheEndpoints) {
  const auto handled = get("/v1/openapi.json");
  ASSERT_EQ(handled.response.status, 200);
  const auto doc = json(handled);
  EXPECT_EQ(doc["openapi"], "3.1.0");
  std::vector<std::string> paths;
  for (const auto& item : doc["paths"].items()) paths.push_back(item.key());
  std::sort(paths.begin(), paths.end());
  EXPECT_EQ(paths,
            (std::vector<std::string>{"/v1/events", "/v1/openapi.json", "/v1/patient-card",
                                      "/v1/patient-card/accesses", "/v1/practitioner-card",
                                      "/v1/practitioner/authenticate", "/v1/practitioner/session",
                                      "/v1/readers", "/v1/record-access", "/v1/status"}));
  EXPECT_TRUE(doc["components"]["securitySchemes"].contains("appKey"));
  // Every documented endpoint is routed: GET answers (events with a hint to
  // upgrade, POST-only endpoints with 405), never 404.
  for (const auto& path : paths) EXPECT_NE(get(path).response.status, 404) << path;
}

TEST_F(RouterTest, UnknownPathAndWrongMethod) {
  const auto missing = get("/v1/nothing");
  EXPECT_EQ(missing.response.status, 404);
  EXPECT_EQ(json(missing)["code"], "not-found");
  const auto post = get("/v1/readers", "POST");
  EXPECT_EQ(post.response.status, 405);
  EXPECT_EQ(json(post)["code"], "method-not-allowed");
  EXPECT_EQ(singleHeader(post.response.headers, "Allow"), "GET");
  EXPECT_EQ(get("*", "OPTIONS").response.status, 400);
}

TEST_F(RouterTest, MalformedJsonBodyIsBadRequest) {
  const auto handled = get("/v1/readers", "GET", "{\"pin\":");
  EXPECT_EQ(handled.response.status, 400);
  EXPECT_EQ(json(handled)["code"], "bad-request");
}

TEST(TargetForLogTest, KeepsParameterNamesOnly) {
  EXPECT_EQ(targetForLog("/v1/patient-card?reader=Reader%20A&fields=insurer"),
            "/v1/patient-card?reader&fields");
  EXPECT_EQ(targetForLog("/v1/status"), "/v1/status");
  EXPECT_EQ(targetForLog("/v1/x?&a&&b=1"), "/v1/x?a&b");
}

}  // namespace
}  // namespace hcbridge::api
