#include "record_access.hpp"

#include "hcbridge/auth/crypto.hpp"
#include "hcbridge/error.hpp"

namespace hcbridge::core {

namespace {

const Person& chosenBeneficiary(const PatientCard& card, int rank) {
  std::string ranks;
  for (const Person& person : card.beneficiaries) {
    if (person.rank == rank) return person;
    if (person.rank) ranks += (ranks.empty() ? "" : ", ") + std::to_string(*person.rank);
  }
  throw Error(Errc::BadRequest,
              "the patient card has no beneficiary of rank " + std::to_string(rank),
              ranks.empty() ? "This card lists no ranked beneficiaries; leave out 'beneficiary'."
                            : "Use one of the ranks in GET /v1/patient-card: " + ranks + ".");
}

nlohmann::json patientClaim(const PatientIdentifier& patient) {
  nlohmann::json claim = {{"idType", patient.idType}, {"id", patient.id}};
  if (patient.rank) claim["rank"] = *patient.rank;
  if (!patient.birthDate.empty()) claim["birthDate"] = patient.birthDate;
  return claim;
}

}  // namespace

PatientIdentifier patientIdentifierOf(const PatientCard& card, std::optional<int> beneficiary) {
  if (card.egk && !card.egk->insuranceNumber.empty()) {
    if (beneficiary && *beneficiary != 1) {
      throw Error(Errc::BadRequest, "an eGK has one insured person; 'beneficiary' must be 1",
                  "Leave out 'beneficiary' for an eGK.");
    }
    return {"kvnr", card.egk->insuranceNumber, std::nullopt, {}};
  }
  if (beneficiary) {
    const Person& person = chosenBeneficiary(card, *beneficiary);
    if (person.nir) return {"nir-card", person.nir->value, person.rank, person.birthDate};
  } else if (!card.beneficiaries.empty() && card.beneficiaries.front().nir) {
    const Person& holder = card.beneficiaries.front();
    return {"nir-card", holder.nir->value, holder.rank, holder.birthDate};
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
                           {"patient", patientClaim(patient)},
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
