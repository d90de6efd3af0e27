// The record-access assertion as a compact JWS (RFC 7515 §7.1).
#include "card_signature.hpp"
#include "hcbridge/auth/tokens.hpp"
#include "hcbridge/error.hpp"

namespace hcbridge::auth {
namespace {

ByteView asBytes(const std::string& text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

}  // namespace

std::string makeCompactJws(ByteView certificateDer, const nlohmann::json& claims,
                           const DigestSigner& sign, std::optional<JwsAlgorithm> chosen) {
  if (!claims.is_object()) {
    throw Error(Errc::BadRequest, "The assertion's claims must be a JSON object");
  }
  const JwsAlgorithm algorithm = chosen.value_or(algorithmForCertificate(certificateDer));
  const nlohmann::json header = {{"alg", std::string(jwsName(algorithm))},
                                 {"typ", std::string(kRecordAccessType)},
                                 {"x5c", nlohmann::json::array({base64(certificateDer)})}};
  std::string claimsText;
  try {
    claimsText = claims.dump();
  } catch (const nlohmann::json::exception&) {
    throw Error(Errc::BadRequest, "The assertion's claims contain a string that is not UTF-8");
  }
  // The signed bytes are exactly the ones encoded: a verifier decodes, never re-serialises.
  const std::string signingInput =
      base64Url(asBytes(header.dump())) + "." + base64Url(asBytes(claimsText));
  const Bytes signature =
      detail::signAndCheck(certificateDer, algorithm, sha256(signingInput), sign);
  return signingInput + "." + base64Url(signature);
}

}  // namespace hcbridge::auth
