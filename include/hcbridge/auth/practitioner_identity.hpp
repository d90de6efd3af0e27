// The practitioner a certificate names: what a verifier reports, whatever
// the signed claims say (docs/tokens.md, "Whose certificate").
#pragma once

#include <string>

#include "hcbridge/bytes.hpp"

namespace hcbridge::auth {

struct PractitionerIdentity {
  std::string idType{};  // "rpps", "idnat" or "telematik-id", as the card drivers name them
  std::string id{};
  std::string name{};  // "Hélène DURAND-TEST": the subject's given names and surname, else its CN
  std::string surname{};  // the subject's surname and givenName entries ("" when absent)
  std::string givenNames{};
  std::string nationalId{};  // the subject's idNat (serialNumber or CN head), "" when none
};

// From, in this order: the admission extension's registrationNumber
// (1.3.36.8.3.3, the HBA's Telematik-ID) -> telematik-id; the subject's
// serialNumber, or the head of a CN "<id>/...", when it is an idNat (2..32
// letters and digits) -> "rpps" + the 11 digits after the leading "8" of a
// 12-character idNat_PS, else "idnat" (the CPS driver's rule). An admission
// extension without a usable registrationNumber is refused, not skipped. Throws
// Error(CertificateInvalid) when `certificateDer` does not parse,
// Error(CertificatePolicy) when it names no practitioner this way.
PractitionerIdentity practitionerIdentityOf(ByteView certificateDer);

}  // namespace hcbridge::auth
