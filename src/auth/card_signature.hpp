// Asking the card (a DigestSigner) for a signature and checking it before it
// goes into a token.
#pragma once

#include "hcbridge/auth/crypto.hpp"
#include "hcbridge/auth/tokens.hpp"

namespace hcbridge::auth::detail {

// sign(digest), then verifyDigest with the certificate; Error(CardSignatureInvalid)
// when it does not verify (a card whose key does not match its certificate, a
// driver returning DER for ECDSA...), so no unverifiable token leaves hcbridge.
Bytes signAndCheck(ByteView certificateDer, JwsAlgorithm algorithm, ByteView digest,
                   const DigestSigner& sign);

}  // namespace hcbridge::auth::detail
