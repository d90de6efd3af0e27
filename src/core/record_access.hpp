// The claims of a record-access assertion: who (the practitioner proven by
// the card), for whom (the patient), for which record server (aud), why
// (purpose), from where (origin), and for how long (at most 5 minutes).
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "card_authentication.hpp"
#include "hcbridge/api/backend.hpp"
#include "hcbridge/card_model.hpp"

namespace hcbridge::core {

inline constexpr std::chrono::seconds kRecordAccessLifetime{300};

struct PatientIdentifier {
  std::string idType;  // the card driver's `Person::patientId` type, or "given"
  std::string id;
  // Vitale: a child shares the holder's NIR; rank and birth date tell who it is.
  std::optional<int> rank;
  std::string birthDate;
};

// The identifier of the card's beneficiary of rank `beneficiary` (Vitale),
// or of the card holder (the first beneficiary; eGK: the insured). Throws
// Error(CardDataInvalid) when the card carries none, Error(BadRequest) for
// a rank the card does not hold.
PatientIdentifier patientIdentifierOf(const PatientCard& card,
                                      std::optional<int> beneficiary = std::nullopt);

// Claims: iss, sub, practitioner, patient,
// aud, nonce, purpose, [justification], origin, iat, exp, jti.
nlohmann::json recordAccessClaims(const ProvenPractitioner& practitioner,
                                  const PatientIdentifier& patient,
                                  const api::RecordAccessRequest& request,
                                  std::chrono::system_clock::time_point now);

}  // namespace hcbridge::core
