// What both verifiers add to the certificate check: practitioner issuers must
// be configured, and the claims may only name the certificate's practitioner.
#pragma once

#include <nlohmann/json.hpp>

#include "hcbridge/auth/certificate_validator.hpp"
#include "hcbridge/auth/practitioner_identity.hpp"

namespace hcbridge::auth::detail {

// Error(BadRequest) naming what to configure when `validator` has no
// practitioner issuers.
void requirePractitionerIssuers(const CertificateValidator& validator);

// `sub` (when present) must be the certificate's id and `practitioner` (when
// present) an object whose idType and id are the certificate's: otherwise
// Error(ClaimsMismatch); a `practitioner` that is not an object, or whose
// idType or id is not a string, is Error(TokenInvalid). Names in the claims
// are not compared: the verifier reports the certificate's.
void checkPractitionerClaims(const nlohmann::json& claims, const PractitionerIdentity& identity);

}  // namespace hcbridge::auth::detail
