// The server over real loopback connections with a Beast client: endpoints,
// refusals, limits, keep-alive, parallel backend reads, the request log.
#include <gtest/gtest.h>

#include "server_fixture.hpp"

namespace hcbridge::api::testing {
namespace {

using namespace std::chrono_literals;

std::string code(const HttpReply& reply) {
  return reply.json().at("code");
}

TEST_F(ServerTest, ServesEachEndpoint) {
  startServer();
  HttpClient client(port());
  const auto status = client.get("/v1/status", appKey());
  EXPECT_EQ(status.status, 200);
  EXPECT_EQ(status.header("Content-Type"), "application/json");
  EXPECT_EQ(status.header("Cache-Control"), "no-store");
  EXPECT_EQ(status.json()["transportState"], "up");
  EXPECT_EQ(client.get("/v1/readers", appKey()).json()["readers"].size(), 2u);
  EXPECT_EQ(client.get("/v1/practitioner-card", appKey()).json()["givenNames"], "Ada");
  EXPECT_EQ(client.get("/v1/openapi.json", appKey()).json()["openapi"], "3.1.0");
  EXPECT_EQ(client.get("/v1/patient-card", appKey()).json()["cardType"], "vitale");
  const auto missing = client.get("/v1/missing", appKey());
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.header("Content-Type"), "application/problem+json");
  const auto deleted = client.request("DELETE", "/v1/readers", appKey());
  EXPECT_EQ(deleted.status, 405);
  EXPECT_EQ(deleted.header("Allow"), "GET");
}

TEST_F(ServerTest, KeepAliveReusesTheConnection) {
  startServer();
  HttpClient client(port());
  for (int i = 0; i < 5; ++i) {
    const auto reply = client.get("/v1/status", origin());
    EXPECT_EQ(reply.status, 200);
    EXPECT_EQ(reply.header("Access-Control-Allow-Origin"), kOrigin);
    EXPECT_EQ(reply.header("Vary"), "Origin");
  }
  // A refusal keeps the connection too: it is an ordinary answer.
  EXPECT_EQ(client.get("/v1/status").status, 401);
  EXPECT_EQ(client.get("/v1/status", appKey()).status, 200);
}

TEST_F(ServerTest, FieldsAndAuditWithoutValues) {
  startServer();
  const auto reply = fetch(
      port(), "GET", "/v1/patient-card?reader=Reader%20A&fields=insurer,coverageEnd", origin());
  ASSERT_EQ(reply.status, 200);
  EXPECT_EQ(reply.json().size(), 2u);
  EXPECT_EQ(reply.json()["coverageEnd"], "2026-12-31");
  const auto entries = audit();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].caller, "origin https://app.example");
  EXPECT_EQ(entries[0].fields, (std::vector<std::string>{"coverageEnd", "insurer"}));
  EXPECT_EQ(entries[0].outcome, "ok");
  EXPECT_EQ(entries[0].cardSerialHash, "c0ffee-serial-hash");
  // No value of the card in the audit entry or the log.
  std::string everything = entries[0].action + entries[0].caller +
                           entries[0].practitioner.value_or("") + entries[0].cardSerialHash +
                           entries[0].outcome;
  for (const auto& field : entries[0].fields) everything += field;
  ASSERT_TRUE(logEventuallyContains("http GET /v1/patient-card?reader&fields 200 "));
  for (const auto& line : log()) everything += line;
  for (const char* canary : {"CPAM", "2026-12-31", "CANARY", "2990399999999", "Reader A"}) {
    EXPECT_EQ(everything.find(canary), std::string::npos) << canary;
  }
  EXPECT_TRUE(logContains("origin https://app.example"));
}

TEST_F(ServerTest, PatientCardWithoutSessionIsRefused) {
  backend_.session.reset();
  startServer();
  const auto reply = fetch(port(), "GET", "/v1/patient-card", appKey());
  EXPECT_EQ(reply.status, 403);
  EXPECT_EQ(code(reply), "practitioner-session-required");
  EXPECT_EQ(backend_.cardReads, 0);
  ASSERT_EQ(audit().size(), 1u);
  EXPECT_EQ(audit()[0].outcome, "practitioner-session-required");
}

TEST_F(ServerTest, ForeignHostIsRefused) {
  startServer();
  const auto reply =
      fetch(port(), "GET", "/v1/status",
            {{"Host", "attacker.example:" + std::to_string(port())}, {"Origin", kOrigin}});
  EXPECT_EQ(reply.status, 403);
  EXPECT_EQ(code(reply), "host-forbidden");
  EXPECT_FALSE(reply.header("Access-Control-Allow-Origin"));
  EXPECT_EQ(
      fetch(port(), "GET", "/v1/status", {{"Host", "localhost:1"}, {"Origin", kOrigin}}).status,
      403);
  EXPECT_EQ(fetch(port(), "GET", "/v1/status",
                  {{"Host", "localhost:" + std::to_string(port())}, {"Origin", kOrigin}})
                .status,
            200);
}

TEST_F(ServerTest, ForeignOriginIsRefused) {
  startServer();
  const auto reply = fetch(port(), "GET", "/v1/readers", {{"Origin", "https://x.example"}});
  EXPECT_EQ(reply.status, 403);
  EXPECT_EQ(code(reply), "origin-forbidden");
  EXPECT_NE(reply.json()["detail"].get<std::string>().find("allowed_origins"), std::string::npos);
  EXPECT_FALSE(reply.header("Access-Control-Allow-Origin"));
}

TEST_F(ServerTest, PreflightAllowedAndRefused) {
  startServer();
  const Headers preflight = {{"Origin", kOrigin},
                             {"Access-Control-Request-Method", "GET"},
                             {"Access-Control-Request-Private-Network", "true"}};
  const auto allowed = fetch(port(), "OPTIONS", "/v1/patient-card", preflight);
  EXPECT_EQ(allowed.status, 204);
  EXPECT_EQ(allowed.header("Access-Control-Allow-Origin"), kOrigin);
  EXPECT_EQ(allowed.header("Access-Control-Allow-Private-Network"), "true");
  EXPECT_EQ(allowed.header("Access-Control-Allow-Headers"),
            "Authorization, Content-Type, HCBridge-Session");
  EXPECT_TRUE(allowed.body.empty());

  const auto refused = fetch(port(), "OPTIONS", "/v1/patient-card",
                             {{"Origin", "https://x.example"},
                              {"Access-Control-Request-Method", "GET"},
                              {"Access-Control-Request-Private-Network", "true"}});
  EXPECT_EQ(refused.status, 403);
  EXPECT_FALSE(refused.header("Access-Control-Allow-Origin"));
  EXPECT_FALSE(refused.header("Access-Control-Allow-Private-Network"));
}

TEST_F(ServerTest, ApplicationKeyMissingOrWrong) {
  startServer();
  const auto missing = fetch(port(), "GET", "/v1/readers");
  EXPECT_EQ(missing.status, 401);
  EXPECT_EQ(code(missing), "app-key-required");
  EXPECT_EQ(missing.header("WWW-Authenticate"), "Bearer realm=\"hcbridge\"");
  const auto wrong = fetch(port(), "GET", "/v1/readers", {{"Authorization", "Bearer nope"}});
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(code(wrong), "app-key-invalid");
}

TEST_F(ServerTest, OversizedBodyIs413) {
  startServer();
  const auto reply = fetch(port(), "POST", "/v1/readers", appKey(), std::string(20000, 'x'));
  EXPECT_EQ(reply.status, 413);
  EXPECT_EQ(code(reply), "request-too-large");
}

TEST_F(ServerTest, OversizedHeadersAre431) {
  startServer();
  Headers headers = appKey();
  headers.emplace_back("X-Big", std::string(10000, 'h'));
  const auto reply = fetch(port(), "GET", "/v1/readers", headers);
  EXPECT_EQ(reply.status, 431);
  EXPECT_EQ(code(reply), "headers-too-large");
}

TEST_F(ServerTest, MalformedJsonBodyIs400) {
  startServer();
  Headers headers = appKey();
  headers.emplace_back("Content-Type", "application/json");
  // An endpoint that takes a body: elsewhere the method is refused first (405).
  const auto reply = fetch(port(), "POST", "/v1/practitioner/session", headers, "{\"pin\": 12");
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(code(reply), "bad-request");
}

TEST_F(ServerTest, GarbageRequestLineIs400) {
  startServer();
  HttpClient client(port());
  client.sendRaw("HELLO\x01 / HTTP/1.1\r\n\r\n");
  const auto answer = client.readUntilClosed(2s);
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->rfind("HTTP/1.1 400", 0), 0u) << *answer;
}

TEST_F(ServerTest, SlowBackendReadsRunInParallel) {
  backend_.readDelay = 400ms;
  startServer();
  const auto start = std::chrono::steady_clock::now();
  auto first = std::async(std::launch::async, [&] {
    return fetch(port(), "GET", "/v1/patient-card?reader=Reader%20A", appKey());
  });
  auto second = std::async(std::launch::async, [&] {
    return fetch(port(), "GET", "/v1/practitioner-card?reader=Reader%20B", appKey());
  });
  // Meanwhile the server answers others at once.
  const auto quickStart = std::chrono::steady_clock::now();
  EXPECT_EQ(fetch(port(), "GET", "/v1/status", appKey()).status, 200);
  EXPECT_LT(std::chrono::steady_clock::now() - quickStart, 300ms);
  EXPECT_EQ(first.get().status, 200);
  EXPECT_EQ(second.get().status, 200);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_GE(elapsed, 400ms);
  EXPECT_LT(elapsed, 750ms) << "the two reads were serialised";
}

TEST_F(ServerTest, SlowlorisClientIsCutOffAtTheHeaderTimeout) {
  policy_.limits.headerTimeout = 300ms;
  startServer();
  HttpClient client(port());
  client.sendRaw("GET /v1/status HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port()) + "\r\n");
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(client.readUntilClosed(3s), "");
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1500ms);
}

TEST_F(ServerTest, ConnectionCapRefusesTheExtraOnes) {
  policy_.limits.maxConnections = 2;
  startServer();
  HttpClient a(port());
  HttpClient b(port());
  EXPECT_EQ(a.get("/v1/status", appKey()).status, 200);
  EXPECT_EQ(b.get("/v1/status", appKey()).status, 200);
  const auto refused = fetch(port(), "GET", "/v1/status", appKey());
  EXPECT_EQ(refused.status, 503);
  EXPECT_EQ(code(refused), "too-many-connections");
}

TEST_F(ServerTest, StopLetsARequestInFlightFinish) {
  backend_.readDelay = 300ms;
  startServer();
  auto inFlight = std::async(std::launch::async,
                             [&] { return fetch(port(), "GET", "/v1/patient-card", appKey()); });
  std::this_thread::sleep_for(100ms);
  stopServer();
  EXPECT_EQ(inFlight.get().status, 200);
}

}  // namespace
}  // namespace hcbridge::api::testing
