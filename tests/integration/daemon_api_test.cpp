// The HTTP API of a real `hcbridged --simulate` process (no pcscd): every
// endpoint, every refusal as problem+json, and no card data in its log.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "daemon_process.hpp"

namespace hcbridge::testing {
namespace {

using namespace std::chrono_literals;
using api::testing::fetch;
using api::testing::Headers;
using api::testing::HttpClient;
using api::testing::HttpReply;
using api::testing::WsClient;

const std::string kOrigin = "http://itest.example";
const nlohmann::json kNoSessionNeeded = {{"require_practitioner_session", false}};

Headers with(Headers headers, const std::string& name, const std::string& value) {
  headers.emplace_back(name, value);
  return headers;
}

// A refusal: problem+json with the stable code, a title, and a detail.
void expectProblem(const HttpReply& reply, int status, const std::string& code) {
  EXPECT_EQ(reply.status, status) << reply.body;
  EXPECT_EQ(reply.header("Content-Type"), "application/problem+json") << code;
  const auto problem = nlohmann::json::parse(reply.body, nullptr, false);
  ASSERT_TRUE(problem.is_object()) << reply.body;
  EXPECT_EQ(problem.value("code", ""), code) << reply.body;
  EXPECT_EQ(problem.value("type", ""), "https://hcbridge.local/problems/" + code);
  EXPECT_EQ(problem.value("status", 0), status);
  EXPECT_FALSE(problem.value("title", "").empty()) << reply.body;
  EXPECT_FALSE(problem.value("detail", "").empty()) << reply.body;
}

class DaemonApiTest : public ::testing::Test {
 protected:
  std::unique_ptr<DaemonProcess> start(const nlohmann::json& config) {
    auto daemon = std::make_unique<DaemonProcess>(
        DaemonTransport::Simulated, config, std::vector<std::string>{"--allow-origin", kOrigin});
    port_ = daemon->port();
    key_ = daemon->appKeyHeader();
    return daemon;
  }
  HttpReply get(const std::string& target) { return fetch(port_, "GET", target, key_); }

  std::uint16_t port_ = 0;
  Headers key_;
};

TEST_F(DaemonApiTest, EveryEndpointAnswers) {
  auto daemon = start(kNoSessionNeeded);
  ASSERT_NE(port_, 0);

  const auto status = get("/v1/status");
  ASSERT_EQ(status.status, 200) << status.body;
  EXPECT_EQ(status.header("Content-Type"), "application/json");
  EXPECT_EQ(status.json()["transport"], "simulated");
  EXPECT_EQ(status.json()["transportState"], "up");
  EXPECT_EQ(status.json()["readers"], 2);

  const auto readers = get("/v1/readers");
  ASSERT_EQ(readers.status, 200) << readers.body;
  EXPECT_EQ(readers.json()["readers"].size(), 2u);

  const auto practitioner = get("/v1/practitioner-card");
  ASSERT_EQ(practitioner.status, 200) << practitioner.body;
  EXPECT_EQ(practitioner.json()["kind"], "practitioner");
  EXPECT_EQ(practitioner.json()["surname"], "DURAND-TEST");

  const auto patient = get("/v1/patient-card");
  ASSERT_EQ(patient.status, 200) << patient.body;
  EXPECT_EQ(patient.json()["kind"], "patient");
  EXPECT_EQ(patient.json()["beneficiaries"][0]["surname"], "DUPONT-TEST");

  const auto someFields = get("/v1/patient-card?fields=beneficiaries,insurer");
  ASSERT_EQ(someFields.status, 200) << someFields.body;
  const auto reduced = someFields.json();
  std::set<std::string> keys;
  for (const auto& [name, value] : reduced.items()) keys.insert(name);
  EXPECT_EQ(keys, (std::set<std::string>{"beneficiaries", "insurer"}));
  expectProblem(get("/v1/patient-card?fields=nope"), 400, "bad-request");

  const auto openapi = get("/v1/openapi.json");
  ASSERT_EQ(openapi.status, 200) << openapi.body;
  EXPECT_EQ(openapi.json()["openapi"], "3.1.0");

  expectProblem(get("/v1/nothing-here"), 404, "not-found");
  EXPECT_EQ(daemon->terminate(), 0);
}

TEST_F(DaemonApiTest, PatientCardNeedsAPractitionerSessionByDefault) {
  auto daemon = start({});
  ASSERT_NE(port_, 0);
  expectProblem(get("/v1/patient-card"), 403, "practitioner-session-required");
  EXPECT_EQ(get("/v1/practitioner-card").status, 200);
  EXPECT_EQ(daemon->terminate(), 0);
}

TEST_F(DaemonApiTest, EachRefusalIsAProblemSayingWhatIsWrong) {
  auto daemon = start(kNoSessionNeeded);
  ASSERT_NE(port_, 0);
  const std::string port = std::to_string(port_);

  expectProblem(fetch(port_, "GET", "/v1/readers", with(key_, "Host", "evil.example:" + port)), 403,
                "host-forbidden");
  expectProblem(fetch(port_, "GET", "/v1/readers", with(key_, "Host", "localhost:1")), 403,
                "host-forbidden");

  const auto foreign = fetch(port_, "GET", "/v1/readers", {{"Origin", "https://evil.example"}});
  expectProblem(foreign, 403, "origin-forbidden");
  EXPECT_FALSE(foreign.header("Access-Control-Allow-Origin"));

  const auto allowed = fetch(port_, "GET", "/v1/readers", {{"Origin", kOrigin}});
  EXPECT_EQ(allowed.status, 200);
  EXPECT_EQ(allowed.header("Access-Control-Allow-Origin"), kOrigin);

  const auto missing = fetch(port_, "GET", "/v1/readers");
  expectProblem(missing, 401, "app-key-required");
  EXPECT_TRUE(missing.header("WWW-Authenticate").value_or("").starts_with("Bearer"));
  expectProblem(fetch(port_, "GET", "/v1/readers", {{"Authorization", "Bearer hcb_wrong"}}), 401,
                "app-key-invalid");

  const Headers preflight = {{"Access-Control-Request-Method", "GET"},
                             {"Access-Control-Request-Private-Network", "true"}};
  const auto allowedPreflight =
      fetch(port_, "OPTIONS", "/v1/patient-card", with(preflight, "Origin", kOrigin));
  EXPECT_EQ(allowedPreflight.status, 204);
  EXPECT_EQ(allowedPreflight.header("Access-Control-Allow-Origin"), kOrigin);
  EXPECT_EQ(allowedPreflight.header("Access-Control-Allow-Private-Network"), "true");
  const auto refusedPreflight = fetch(port_, "OPTIONS", "/v1/patient-card",
                                      with(preflight, "Origin", "https://evil.example"));
  expectProblem(refusedPreflight, 403, "origin-forbidden");
  for (const auto& [name, value] : refusedPreflight.headers) {
    EXPECT_FALSE(name.starts_with("Access-Control-")) << name;
  }

  expectProblem(fetch(port_, "POST", "/v1/readers", key_, std::string(20000, 'x')), 413,
                "request-too-large");
  expectProblem(fetch(port_, "POST", "/v1/practitioner/session",
                      with(key_, "Content-Type", "application/json"), "{\"pin\": 12"),
                400, "bad-request");
  expectProblem(fetch(port_, "POST", "/v1/readers", key_), 405, "method-not-allowed");
  Headers manyHeaders = key_;
  for (int i = 0; i < 80; ++i) manyHeaders.emplace_back("X-Filler-" + std::to_string(i), "1");
  expectProblem(fetch(port_, "GET", "/v1/readers", manyHeaders), 431, "headers-too-large");

  // The service is still answering after all of that.
  EXPECT_EQ(get("/v1/status").status, 200);
  EXPECT_EQ(daemon->terminate(), 0);
}

TEST_F(DaemonApiTest, SigtermIsPromptEvenWithAWebSocketClientThatDoesNotRead) {
  auto daemon = start({});
  ASSERT_NE(port_, 0);
  WsClient events(port_, key_);
  ASSERT_TRUE(events.read(5s));  // connected; from now on it never reads
  const auto before = std::chrono::steady_clock::now();
  EXPECT_EQ(daemon->terminate(), 0);
  EXPECT_LT(std::chrono::steady_clock::now() - before, 3s);
}

// Every string value of the card JSON that identifies a person or a card.
void collectIdentifyingValues(const nlohmann::json& json, std::set<std::string>& values) {
  static const std::set<std::string> kIdentifying = {"surname", "givenNames", "birthDate",
                                                     "value",   "cardSerial", "nationalId"};
  if (json.is_object()) {
    for (const auto& [name, value] : json.items()) {
      if (value.is_string() && kIdentifying.contains(name) && value.get<std::string>().size() >= 4)
        values.insert(value.get<std::string>());
      collectIdentifyingValues(value, values);
    }
  } else if (json.is_array()) {
    for (const auto& item : json) collectIdentifyingValues(item, values);
  }
}

std::string fileText(const std::filesystem::path& file) {
  std::ostringstream text;
  text << std::ifstream(file).rdbuf();
  return text.str();
}

const std::set<std::string> kPatientCardFields = {
    "kind",          "cardType",    "generation", "cardSerial", "beneficiaries",  "insurer",
    "coverageStart", "coverageEnd", "warnings",   "egk",        "inventedFields", "authenticity"};

// Issue 4 item 6: the ordinary log and the audit log carry no health data.
TEST_F(DaemonApiTest, NoCardDataReachesTheLogOrTheAuditLog) {
  auto daemon = start(kNoSessionNeeded);
  ASSERT_NE(port_, 0);

  std::set<std::string> canaries = {"DUPONT-TEST",     "DURAND-TEST",          "279035121518989",
                                    "175047505612377", "92500000000000001001", "99001234"};
  {
    WsClient events(port_, key_);
    std::set<std::string> inserted;
    while (inserted.size() < 2) {
      const auto frame = events.read(5s);
      ASSERT_TRUE(frame) << "no card.inserted for both readers";
      const auto event = nlohmann::json::parse(*frame);
      if (event["type"] == "card.inserted")
        inserted.insert(event["data"]["reader"].get<std::string>());
    }
    const auto patient = get("/v1/patient-card");
    ASSERT_EQ(patient.status, 200) << patient.body;
    collectIdentifyingValues(patient.json(), canaries);
    const auto someFields = get("/v1/patient-card?fields=beneficiaries");
    ASSERT_EQ(someFields.status, 200);
    const auto practitioner = get("/v1/practitioner-card");
    ASSERT_EQ(practitioner.status, 200) << practitioner.body;
    collectIdentifyingValues(practitioner.json(), canaries);
    // A refused read is logged and audited too.
    expectProblem(get("/v1/patient-card?reader=nope"), 404, "reader-not-found");
  }
  EXPECT_EQ(daemon->terminate(), 0);
  EXPECT_GE(canaries.size(), 10u);  // the demo cards' names, NIRs, serials

  const std::string log = daemon->output();
  EXPECT_NE(log.find("http GET /v1/patient-card"), std::string::npos) << log;
  const std::string audit = fileText(daemon->auditLog());
  for (const auto& canary : canaries) {
    EXPECT_EQ(log.find(canary), std::string::npos) << "'" << canary << "' in the log:\n" << log;
    EXPECT_EQ(audit.find(canary), std::string::npos) << "'" << canary << "' in the audit log";
  }

  // The audit log names the fields returned and carries the serial's hash only.
  std::istringstream lines(audit);
  std::string line;
  int count = 0;
  while (std::getline(lines, line)) {
    const auto record = nlohmann::json::parse(line);
    ++count;
    if (record["outcome"] != "ok") continue;
    ASSERT_TRUE(record["cardSerialHash"].is_string()) << line;
    EXPECT_EQ(record["cardSerialHash"].get<std::string>().size(), 32u) << line;
    EXPECT_EQ(record["cardSerialHash"].get<std::string>().find_first_not_of("0123456789ABCDEF"),
              std::string::npos)
        << line;
    ASSERT_TRUE(record["fields"].is_array()) << line;
    for (const auto& field : record["fields"]) {
      EXPECT_TRUE(kPatientCardFields.contains(field.get<std::string>())) << line;
    }
  }
  EXPECT_EQ(count, 3);  // two reads and one refusal of patient data
}

}  // namespace
}  // namespace hcbridge::testing
