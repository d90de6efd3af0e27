#include "record_access.hpp"

#include "hcbridge/auth/crypto.hpp"
#include "hcbridge/error.hpp"

namespace hcbridge::core {

namespace {

// A card without ranks (one insured person) answers rank 1 with its holder.
const Person& chosenBeneficiary(const PatientCard& card, int rank) {
  std::string ranks;
  for (const Person& person : card.beneficiaries) {
    if (person.rank == rank) return person;
    if (person.rank) ranks += (ranks.empty() ? "" : ", ") + std::to_string(*person.rank);
  }
  if (ranks.empty() && rank == 1 && card.beneficiaries.size() == 1) {
    return card.beneficiaries.front();
  }
  throw Error(Errc::BadRequest,
              "the patient card has no beneficiary of rank " + std::to_string(rank),
              ranks.empty() ? "This card lists one insured person; leave out 'beneficiary'."
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
  const Person* person = nullptr;
  if (beneficiary) {
    person = &chosenBeneficiary(card, *beneficiary);
  } else if (!card.beneficiaries.empty()) {
    person = &card.beneficiaries.front();  // the holder
  }
  if (person == nullptr || !person->patientId) {
    throw Error(Errc::CardDataInvalid, "the patient card carries no patient identifier",
                "Give the patient's INS in the request's \"patient\" field.");
  }
  // Ranked beneficiaries may share one id (Vitale: children carry the
  // holder's NIR): the rank and birth date say who is meant.
  if (!person->rank) return {person->patientId->idType, person->patientId->id, std::nullopt, {}};
  return {person->patientId->idType, person->patientId->id, person->rank, person->birthDate};
}

nlohmann::json recordAccessClaims(const ProvenPractitioner& practitioner,
                                  const PatientIdentifier& patient,
                                  const api::RecordAccessRequest& request,
                                  std::chrono::system_clock::time_point now) {
  const auto issuedAt =
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  const PractitionerCard& card = practitioner.card;
  const TypedId professionalId = card.professionalId.value_or(TypedId{});
  nlohmann::json practitionerClaim = {{"idType", professionalId.idType},
                                      {"id", professionalId.id},
                                      {"surname", card.surname},
                                      {"givenNames", card.givenNames},
                                      {"cardType", card.cardType}};
  if (!card.professionCode.empty()) practitionerClaim["professionCode"] = card.professionCode;
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
