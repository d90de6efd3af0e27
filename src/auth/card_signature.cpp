#include "card_signature.hpp"

#include "hcbridge/error.hpp"

namespace hcbridge::auth::detail {

Bytes signAndCheck(ByteView certificateDer, JwsAlgorithm algorithm, ByteView digest,
                   const DigestSigner& sign) {
  if (!sign) throw Error(Errc::Internal, "No signer was given for the token");
  Bytes signature = sign(digest);
  if (!verifyDigest(certificateDer, algorithm, digest, signature)) {
    throw Error(Errc::CardSignatureInvalid,
                "The card's " + std::string(jwsName(algorithm)) +
                    " signature does not verify with its authentication certificate",
                "The card's key does not match the certificate it carries (a copied "
                "certificate?) or the card is faulty: use another card.");
  }
  return signature;
}

}  // namespace hcbridge::auth::detail
