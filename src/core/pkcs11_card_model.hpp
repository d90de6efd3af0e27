// The practitioner card a PKCS#11 token shows: no card files to read, so
// the model comes from the token (label, serial) and from the certificate of
// its authentication key (identity, names).
#pragma once

#include <vector>

#include "hcbridge/card_model.hpp"
#include "hcbridge/pkcs11/module.hpp"

namespace hcbridge::core {

struct TokenCard {
  PractitionerCard card;  // authentication certificate first
  Bytes keyId;            // CKA_ID of the authentication key
};

// The authentication certificate is the one whose CKA_ID is keyId when
// given; otherwise the token's end-entity certificate for digitalSignature,
// preferring clientAuth and certificates without nonRepudiation (a CPS's or
// HBA's signature certificate has it). Throws Error(CardDataInvalid) when the
// token holds no such certificate, Error(CertificatePolicy) when it names no
// practitioner.
TokenCard practitionerCardOfToken(const pkcs11::TokenInfo& token,
                                  const std::vector<pkcs11::CertificateObject>& certificates,
                                  const Bytes& keyId);

}  // namespace hcbridge::core
