// POST/DELETE /v1/practitioner/session, POST /v1/practitioner/authenticate,
// POST /v1/record-access: the request checks that need no card, then the
// backend, then one audit line per attempt.
#include <algorithm>
#include <array>

#include "body_fields.hpp"
#include "hcbridge/api/model_json.hpp"
#include "hcbridge/api/problem.hpp"
#include "hcbridge/api/router.hpp"
#include "hcbridge/auth/tokens.hpp"
#include "hcbridge/error.hpp"
#include "hcbridge/secret.hpp"
#include "json_text.hpp"
#include "pin_field.hpp"

namespace hcbridge::api {
namespace {

using nlohmann::json;

constexpr std::array<std::string_view, 3> kPurposes = {"normal", "bris_de_glace", "centre_15"};
constexpr std::size_t kMaxAudienceLength = 512;
constexpr std::size_t kMaxJustificationLength = 1000;
constexpr std::size_t kMaxPatientIdLength = 64;
constexpr int kMaxBeneficiaryRank = 99;

// The PIN was taken out of the raw body into SecretBytes before the JSON
// parse (pin_field.hpp), so the parser never held it; the document holds
// '*'s. Its value never appears in an error. nullopt when the body has no
// 'pin' and `endpointNeedingIt` is empty (the PIN is optional there).
std::optional<SecretBytes> takePin(BodyWithPin& body, std::string_view endpointNeedingIt) {
  std::optional<SecretBytes> pin = body.takePin();
  if (!pin && endpointNeedingIt.empty()) return std::nullopt;
  if (!pin) {
    throw Error(Errc::BadRequest,
                std::string(endpointNeedingIt) + " needs the field 'pin' (a string)");
  }
  const ByteView digits = pin->view();
  if (digits.size() < 4 || digits.size() > 12 ||
      !std::all_of(digits.begin(), digits.end(),
                   [](std::uint8_t c) { return c >= '0' && c <= '9'; })) {
    throw Error(Errc::BadRequest, "the PIN must be 4 to 12 digits; it was not sent to the card");
  }
  return pin;
}

AuditEntry entryFor(std::string action, const Caller& caller,
                    std::optional<std::string> practitioner) {
  AuditEntry entry;
  entry.action = std::move(action);
  entry.caller = caller.identity();
  entry.practitioner = std::move(practitioner);
  return entry;
}

void checkLength(const std::string& value, std::size_t limit, const std::string& field) {
  if (value.empty() || value.size() > limit) {
    throw Error(Errc::BadRequest,
                "field '" + field + "' must be 1 to " + std::to_string(limit) + " characters");
  }
}

}  // namespace

std::string Router::tokenOrigin(const Caller& caller) const {
  std::string origin;
  if (caller.origin) {
    origin = *caller.origin;
  } else {
    const auto it = appOrigins_.find(caller.app);
    if (it == appOrigins_.end()) {
      throw Error(Errc::OriginInvalid,
                  "application '" + caller.app + "' has no origin to bind its tokens to",
                  "Add \"app_origins\": {\"" + caller.app +
                      "\": \"https://...\"} to the service configuration.");
    }
    origin = it->second;
  }
  auth::checkOrigin(origin);
  return origin;
}

void Router::openSession(BodyWithPin& body, const Caller& caller, ResponseHandler done) {
  AuditEntry entry = entryFor("practitioner-session.open", caller, std::nullopt);
  auto finish = [audit = audit_, done](const AuditEntry& line, Response response) {
    answerAudited(audit, line, std::move(response), done);
  };
  SessionOpenRequest request;
  request.caller = {caller.identity(), caller.uid};
  try {
    request.pin = std::move(*takePin(body, "POST /v1/practitioner/session"));
    const BodyFields fields(body.json, "POST /v1/practitioner/session",
                            {"pin", "confirmLastTry", "reader"});
    request.confirmLastTry = fields.boolean("confirmLastTry", false);
    request.reader = fields.string("reader");
  } catch (...) {
    const Problem problem = Problem::fromException(std::current_exception());
    entry.outcome = problem.id;
    return finish(entry, problem.toResponse());
  }
  backend_.openPractitionerSession(
      std::move(request),
      [&backend = backend_, entry, finish](std::exception_ptr error, SessionOpened opened) mutable {
        if (error) {
          const Problem problem = Problem::fromException(error);
          entry.outcome = problem.id;
          return finish(entry, problem.toResponse());
        }
        entry.practitioner = backend.practitionerSession();
        entry.outcome = "ok";
        finish(entry, jsonResponse(201, jsonText(toJson(opened))));
      });
}

void Router::closeSession(SessionClaim claim, const Caller& caller, ResponseHandler done) {
  AuditEntry entry = entryFor("practitioner-session.close", caller, backend_.practitionerSession());
  backend_.closePractitionerSession(
      std::move(claim),
      [audit = audit_, entry, done](std::exception_ptr error, bool wasOpen) mutable {
        if (error) {
          const Problem problem = Problem::fromException(error);
          entry.outcome = problem.id;
          return answerAudited(audit, entry, problem.toResponse(), done);
        }
        entry.outcome = "ok";
        answerAudited(audit, entry, jsonResponse(200, jsonText({{"closed", wasOpen}})), done);
      });
}

void Router::authenticate(const json& body, SessionClaim claim, const Caller& caller,
                          ResponseHandler done) {
  AuditEntry entry = entryFor("practitioner.authenticate", caller, backend_.practitionerSession());
  std::string origin;
  std::string nonce;
  try {
    const BodyFields fields(body, "POST /v1/practitioner/authenticate", {"challengeNonce"});
    nonce = fields.string("challengeNonce").value_or("");
    if (nonce.empty()) {
      throw Error(Errc::NonceInvalid, "the field 'challengeNonce' is missing",
                  "Send the record server's challenge nonce (at least 44 characters).");
    }
    auth::checkChallengeNonce(nonce);
    origin = tokenOrigin(caller);
    entry.details["origin"] = origin;
  } catch (...) {
    const Problem problem = Problem::fromException(std::current_exception());
    entry.outcome = problem.id;
    return answerAudited(audit_, entry, problem.toResponse(), done);
  }
  backend_.authenticatePractitioner(
      std::move(claim), origin, nonce,
      [audit = audit_, entry, done](std::exception_ptr error, json token) mutable {
        if (error) {
          const Problem problem = Problem::fromException(error);
          entry.outcome = problem.id;
          return answerAudited(audit, entry, problem.toResponse(), done);
        }
        entry.outcome = "ok";
        entry.details["algorithm"] = token.value("algorithm", "");
        answerAudited(audit, entry, jsonResponse(200, jsonText(token)), done);
      });
}

void Router::recordAccess(BodyWithPin& body, SessionClaim claim, const Caller& caller,
                          ResponseHandler done) {
  AuditEntry entry = entryFor("record-access.issue", caller, backend_.practitionerSession());
  RecordAccessRequest request;
  request.session = std::move(claim);
  try {
    request.pin = takePin(body, "");
    const BodyFields fields(body.json, "POST /v1/record-access",
                            {"audience", "nonce", "purpose", "patient", "beneficiary",
                             "justification", "reader", "pin", "confirmLastTry"});
    request.confirmLastTry = fields.boolean("confirmLastTry", false);
    request.nonce = fields.string("nonce").value_or("");
    if (request.nonce.empty()) {
      throw Error(Errc::NonceInvalid, "the field 'nonce' is missing",
                  "Send the record server's nonce (at least 44 characters).");
    }
    auth::checkChallengeNonce(request.nonce);
    request.purpose = fields.string("purpose").value_or("");
    if (std::find(kPurposes.begin(), kPurposes.end(), request.purpose) == kPurposes.end()) {
      throw Error(Errc::PurposeInvalid, "unknown purpose '" + request.purpose + "'",
                  "Use normal, bris_de_glace (emergency access, with a justification) or "
                  "centre_15 (emergency call centre).");
    }
    request.audience = *fields.string("audience", true);
    checkLength(request.audience, kMaxAudienceLength, "audience");
    request.justification = fields.string("justification");
    if (request.justification)
      checkLength(*request.justification, kMaxJustificationLength, "justification");
    if (request.purpose == "bris_de_glace" && !request.justification) {
      throw Error(Errc::JustificationRequired,
                  "an emergency access (bris_de_glace) needs a 'justification' text",
                  "Say why the record is opened without the patient's consent; it is kept in "
                  "the audit log.");
    }
    request.patient = fields.string("patient");
    if (request.patient) checkLength(*request.patient, kMaxPatientIdLength, "patient");
    request.beneficiary = fields.integer("beneficiary", 1, kMaxBeneficiaryRank);
    if (request.patient && request.beneficiary) {
      throw Error(Errc::BadRequest, "give either 'patient' or 'beneficiary', not both",
                  "'beneficiary' picks a person on the inserted card; 'patient' names one "
                  "without a card.");
    }
    request.patientReader = fields.string("reader");
    request.origin = tokenOrigin(caller);
    entry.details = {
        {"audience", request.audience}, {"purpose", request.purpose}, {"origin", request.origin}};
    if (request.justification) entry.details["justification"] = *request.justification;
    // Without the patient's card: whose record, how the practitioner proved it.
    if (request.patient) {
      entry.details["patientCard"] = "absent";
      entry.details["practitionerProof"] = request.pin ? "pin" : "session";
    }
  } catch (...) {
    const Problem problem = Problem::fromException(std::current_exception());
    entry.outcome = problem.id;
    return answerAudited(audit_, entry, problem.toResponse(), done);
  }
  backend_.issueRecordAccess(std::move(request), [audit = audit_, entry, done](
                                                     std::exception_ptr error,
                                                     RecordAccessIssued issued) mutable {
    if (error) {
      const Problem problem = Problem::fromException(error);
      entry.outcome = problem.id;
      return answerAudited(audit, entry, problem.toResponse(), done);
    }
    entry.outcome = "ok";
    entry.cardSerialHash = issued.patientSerialHash;
    entry.details["jti"] = issued.claims.value("jti", "");
    entry.details["patientIdType"] = issued.claims["patient"].value("idType", "");
    answerAudited(
        audit, entry,
        jsonResponse(200, jsonText({{"assertion", issued.assertion}, {"claims", issued.claims}})),
        done);
  });
}

}  // namespace hcbridge::api
