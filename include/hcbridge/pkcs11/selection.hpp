// The two choices hcbridged and `hcbridge doctor` must make alike on a
// PKCS#11 module: which PC/SC reader a slot stands for, and which of a
// token's certificates is the practitioner's authentication certificate.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "hcbridge/pkcs11/module.hpp"

namespace hcbridge::pkcs11 {

// The reader whose name is the slot's description (OpenSC, Cryptolib CPS);
// a description that fills all 64 bytes of slotDescription may be the start
// of a longer name (OpenSC cuts it), if of one reader's only. "" when it
// names no reader (SoftHSM2): the token is then watched as one of its own.
std::string readerOfSlot(std::string_view slotDescription,
                         const std::vector<std::string>& readerNames);

// Whether the slot holds a token hcbridged may take for a practitioner's
// card: one with a user PIN (SoftHSM2 also shows an empty token to
// initialise) and, when tokenLabel is not empty, that label.
bool isPractitionerToken(const SlotInfo& slot, std::string_view tokenLabel);

// The certificate whose CKA_ID is keyId when given; otherwise the token's
// end-entity certificate (with a CKA_ID) for digitalSignature, preferring
// clientAuth and no nonRepudiation (a CPS's or HBA's signature certificate
// has it). nullptr when none qualifies.
const CertificateObject* authenticationCertificate(
    const std::vector<CertificateObject>& certificates, const Bytes& keyId);

}  // namespace hcbridge::pkcs11
