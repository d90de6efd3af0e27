// The eGK's proof of authenticity without PIN: role authentication with
// PrK.eGK.AUT_CVC.E256 against the CV certificate EF.C.eGK.AUT_CVC.E256.
#pragma once

#include "gematik_card.hpp"
#include "hcbridge/card_driver.hpp"

namespace hcbridge::drivers::egk {

// SELECT MF, READ BINARY of EF.C.eGK.AUT_CVC.E256 (SFI 06), MSE SET AT with
// key 09 (elcRoleAuthentication, algId 00) and INTERNAL AUTHENTICATE over the
// 32-byte digest. Throws Error(BadRequest) for a digest that is not 32
// bytes, Error(CardDataInvalid) naming the file for a malformed CV
// certificate, Error(OperationUnsupported) when the card has no such key.
CardAuthenticityProof proveAuthenticity(CardConnection& card, ByteView challengeDigest,
                                        const gematik::ReadSettings& settings);

}  // namespace hcbridge::drivers::egk
