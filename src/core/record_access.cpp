#include "record_access.hpp"

#include "hcbridge/auth/crypto.hpp"
#include "hcbridge/error.hpp"

namespace hcbridge::core {

PatientIdentifier patientIdentifierOf(const PatientCard& card) {
  if (card.egk && !card.egk->insuranceNumber.empty()) {
    return {"kvnr", card.egk->insuranceNumber};
  }
  if (!card.beneficiaries.empty() && card.beneficiaries.front().nir) {
    return {"nir-card", card.beneficiaries.front().nir->value};
  }
  throw Error(Errc::CardDataInvalid, "the patient card carries no patient identifier",
              "Give the patient's INS in the request's \"patient\" field.");
}

nlohmann::json recordAccessClaims(const ProvenPractitioner& practitioner,
                                  const PatientIdentifier& patient,
                                  const api::RecordAccessRequest& request,
                                  std::chrono::system_clock::time_point now) {
  const auto issuedAt =
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  nlohmann::json practitionerClaim = {
      {"idType", practitioner.identity.value("idType", std::string())},
      {"id", practitioner.identity.value("id", std::string())},
      {"surname", practitioner.identity.value("surname", std::string())},
      {"givenNames", practitioner.identity.value("givenNames", std::string())},
      {"cardType", practitioner.identity.value("cardType", std::string())}};
  if (practitioner.identity.contains("professionCode")) {
    practitionerClaim["professionCode"] = practitioner.identity["professionCode"];
  }
  nlohmann::json claims = {{"iss", "hcbridge"},
                           {"sub", practitionerClaim["id"]},
                           {"practitioner", practitionerClaim},
                           {"patient", {{"idType", patient.idType}, {"id", patient.id}}},
                           {"aud", request.audience},
                           {"nonce", request.nonce},
                           {"purpose", request.purpose}};
  if (request.justification) claims["justification"] = *request.justification;
  claims["origin"] = request.origin;
  claims["iat"] = issuedAt;
  claims["exp"] = issuedAt + kRecordAccessLifetime.count();
  claims["jti"] = auth::base64Url(auth::randomBytes(16));
  return claims;
}

}  // namespace hcbridge::core
