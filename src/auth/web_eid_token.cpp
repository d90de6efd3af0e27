// The Web eID authentication token, as the Web eID apps make it
// (https://github.com/web-eid/web-eid-system-architecture-doc): the card signs
// sha256(sha256(origin) || sha256(nonce)).
#include "card_signature.hpp"
#include "hcbridge/auth/tokens.hpp"

namespace hcbridge::auth {

Bytes webEidSignedData(std::string_view origin, std::string_view challengeNonce) {
  Bytes data = sha256(origin);
  const Bytes nonceHash = sha256(challengeNonce);
  data.insert(data.end(), nonceHash.begin(), nonceHash.end());
  return data;
}

nlohmann::json makeWebEidToken(ByteView certificateDer, std::string_view origin,
                               std::string_view challengeNonce, std::string_view appVersion,
                               const DigestSigner& sign, std::optional<JwsAlgorithm> chosen) {
  checkChallengeNonce(challengeNonce);
  checkOrigin(origin);
  const JwsAlgorithm algorithm = chosen.value_or(algorithmForCertificate(certificateDer));
  const Bytes digest = sha256(webEidSignedData(origin, challengeNonce));
  const Bytes signature = detail::signAndCheck(certificateDer, algorithm, digest, sign);
  return {{"unverifiedCertificate", base64(certificateDer)},
          {"algorithm", std::string(jwsName(algorithm))},
          {"signature", base64(signature)},
          {"format", std::string(kWebEidFormat)},
          {"appVersion", std::string(appVersion)}};
}

}  // namespace hcbridge::auth
