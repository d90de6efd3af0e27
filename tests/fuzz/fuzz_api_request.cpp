// Request handling (policy + router) on arbitrary requests, with a
// synchronous fake backend. Input: a flags byte ('0'..'7': bit 0 practitioner
// session open, bit 1 session required, bit 2 card read fails), then
// "METHOD TARGET\n", header lines "Name: value\n", an empty line, the body.
// Checks: one answer, a sane status, every refusal a problem+json with its
// status, CORS only for an allowed Origin echoed back, patient data only
// after admission, audit lines without card values.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "hcbridge/api/request_handler.hpp"
#include "hcbridge/error.hpp"

using namespace hcbridge;
using namespace hcbridge::api;

namespace {

constexpr std::string_view kCanary = "CANARY-VALUE";

// A patient card whose every value is the canary.
PatientCard canaryCard() {
  PatientCard card;
  card.cardType = "vitale";
  card.cardSerial = std::string(kCanary);
  Person holder;
  holder.surname = std::string(kCanary);
  card.beneficiaries.push_back(holder);
  card.insurer.name = std::string(kCanary);
  return card;
}

class SyncBackend : public Backend {
 public:
  ServiceStatus status() const override { return {"0", "simulated", true, 1}; }
  std::vector<ReaderView> readers() const override { return {{"R", true, "vitale"}}; }
  void readPatientCard(std::optional<std::string>, CardReadHandler done) override {
    if (fail) return done(std::make_exception_ptr(Error(Errc::CardAbsent, "no card")), {});
    done(nullptr, {std::make_shared<const CardModel>(canaryCard()), std::nullopt, "R", "hash"});
  }
  void readPractitionerCard(std::optional<std::string>, CardReadHandler done) override {
    PractitionerCard card;
    card.surname = "DOC";
    done(nullptr, {std::make_shared<const CardModel>(card), std::nullopt, "R", "hash"});
  }
  std::optional<std::string> practitionerSession() const override { return session; }
  // The opener's token is "T": anything else is refused, as the service does.
  std::string claimPractitionerSession(const SessionClaim& claim) const override {
    if (!session) throw Error(Errc::SessionRequired, "none");
    if (claim.token != "T") throw Error(Errc::SessionNotYours, "not yours");
    return *session;
  }
  void openPractitionerSession(SessionOpenRequest, SessionOpenHandler done) override {
    if (fail) return done(std::make_exception_ptr(PinError(Errc::PinIncorrect, 2, "wrong")), {});
    SessionOpened opened;
    opened.practitioner.surname = "DOC";
    done(nullptr, opened);
  }
  void closePractitionerSession(SessionClaim, SessionCloseHandler done) override {
    done(nullptr, true);
  }
  void authenticatePractitioner(SessionClaim claim, std::string, std::string,
                                WebEidTokenHandler done) override {
    try {
      claimPractitionerSession(claim);
    } catch (const Error&) {
      return done(std::current_exception(), {});
    }
    done(nullptr, {{"format", "web-eid:1.0"}});
  }
  void issueRecordAccess(RecordAccessRequest request, RecordAccessHandler done) override {
    if (fail) return done(std::make_exception_ptr(Error(Errc::CardAbsent, "no card")), {});
    try {
      claimPractitionerSession(request.session);
    } catch (const Error&) {
      return done(std::current_exception(), {});
    }
    done(nullptr, {"h.p.s", {{"jti", "J"}, {"patient", {{"idType", "given"}}}}, "hash"});
  }
  std::unique_ptr<Subscription> subscribe(std::function<void(const ServiceEvent&)>) override {
    return nullptr;
  }
  std::optional<std::string> session;
  bool fail = false;
};

Request parse(std::string_view text) {
  Request request;
  auto line = [&text]() {
    const std::size_t end = text.find('\n');
    std::string_view out = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    return out;
  };
  const std::string_view first = line();
  const std::size_t space = first.find(' ');
  request.method = std::string(first.substr(0, space));
  if (space != std::string_view::npos) request.target = std::string(first.substr(space + 1));
  while (!text.empty()) {
    const std::string_view header = line();
    if (header.empty()) break;
    const std::size_t colon = header.find(':');
    std::string_view value = colon == std::string_view::npos ? "" : header.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    request.headers.push_back({std::string(header.substr(0, colon)), std::string(value)});
  }
  request.body = std::string(text);
  return request;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const int flags = data[0] & 7;
  const Request request =
      parse(std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1));

  SyncBackend backend;
  if (flags & 1) backend.session = "Dr Fuzz";
  backend.fail = (flags & 4) != 0;
  Policy policy;
  policy.port = 8971;
  policy.allowedOrigins = {"https://app.example"};
  policy.requirePractitionerSession = (flags & 2) != 0;
  policy.limits.maxBodyBytes = 512;
  policy.limits.maxJsonDepth = 8;
  std::vector<AuditEntry> audit;
  RequestHandler handler(
      backend, policy,
      [](std::string_view key) -> std::optional<std::string> {
        if (key == "good-key") return "fuzzer";
        return std::nullopt;
      },
      [&audit](const AuditEntry& entry) { audit.push_back(entry); });

  int answers = 0;
  HandledRequest handled;
  handler.handle(request, [&](HandledRequest result) {
    ++answers;
    handled = std::move(result);
  });
  if (answers != 1) __builtin_trap();
  const Response& response = handled.response;
  if (response.status < 200 || response.status > 599) __builtin_trap();

  if (response.status >= 400) {
    if (singleHeader(response.headers, "Content-Type") != "application/problem+json") {
      __builtin_trap();
    }
    const auto body = nlohmann::json::parse(response.body, nullptr, false);
    if (body.is_discarded() || body.value("status", 0) != response.status ||
        !body.contains("code") || !body.contains("detail")) {
      __builtin_trap();
    }
  }
  // CORS headers only for the allowed origin, the one the request sent.
  if (const auto allowOrigin = singleHeader(response.headers, "Access-Control-Allow-Origin")) {
    if (*allowOrigin != "https://app.example") __builtin_trap();
    if (singleHeader(request.headers, "Origin") != *allowOrigin) __builtin_trap();
  }
  // Card values only to an admitted caller, and only with a session when
  // required. (Refusal details quote the request, so only when it does not
  // itself carry the canary.)
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  if (input.find(kCanary) == std::string_view::npos &&
      response.body.find(kCanary) != std::string::npos) {
    const Admission admission = admit(request, policy, [](std::string_view key) {
      return key == "good-key" ? std::optional<std::string>("fuzzer") : std::nullopt;
    });
    if (!admission.caller || response.status != 200) __builtin_trap();
    if (policy.requirePractitionerSession && !backend.session) __builtin_trap();
  }
  for (const AuditEntry& entry : audit) {
    for (const auto& field : entry.fields) {
      if (field.find(kCanary) != std::string::npos) __builtin_trap();
    }
    if (entry.outcome.empty() || entry.caller.empty()) __builtin_trap();
  }
  if (targetForLog(request.target).size() > request.target.size()) __builtin_trap();
  return 0;
}
