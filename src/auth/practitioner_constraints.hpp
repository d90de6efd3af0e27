// The practitioner constraints of TrustSettings (issuers, policies, extended
// key usage), loaded once and checked after the chain verified.
#pragma once

#include <openssl/x509.h>

#include <string>
#include <vector>

#include "hcbridge/auth/certificate_validator.hpp"
#include "hcbridge/base/openssl_handle.hpp"

namespace hcbridge::auth::detail {

struct PractitionerConstraints {
  std::vector<base::X509Handle> issuers;
  std::vector<std::string> policies;           // dotted, as OBJ_obj2txt writes them
  std::vector<std::string> extendedKeyUsages;  // dotted
};

// Throws Error(BadRequest) naming a file that cannot be read or an OID that is
// not dotted decimal.
PractitionerConstraints loadConstraints(const TrustSettings& settings);

// `chain` is the verified chain, end-entity first. Throws as
// CertificateValidator::validate documents.
void checkConstraints(const PractitionerConstraints& constraints, const STACK_OF(X509) * chain,
                      const std::string& subject);

}  // namespace hcbridge::auth::detail
