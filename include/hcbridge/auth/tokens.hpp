// Making the two tokens a practitioner card signs: the Web eID authentication
// token (origin-bound login) and the record-access assertion (a compact JWS).
// docs/tokens.md describes both.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "hcbridge/auth/crypto.hpp"
#include "hcbridge/bytes.hpp"

namespace hcbridge::auth {

// Signs a SHA-256 digest with the card's authentication key: RS256 -> PKCS#1
// v1.5 signature, PS256 -> RSA-PSS, ES256 -> raw r||s.
using DigestSigner = std::function<Bytes(ByteView sha256Digest)>;

inline constexpr std::string_view kWebEidFormat = "web-eid:1.0";
inline constexpr std::string_view kRecordAccessType = "hcbridge-record-access+jwt";

// Web eID rules: at least 44 characters (a base64 of >= 32 random bytes), at
// most 128, base64/base64url characters only. Throws Error(NonceInvalid)
// saying which rule.
void checkChallengeNonce(std::string_view nonce);

// "https://host[:port]" exactly as browsers send Origin (no path, query,
// fragment, userinfo, trailing slash, default port; lower-case), at most 255
// characters; "http://localhost|127.0.0.1|[::1][:port]" is accepted for
// development, as Web eID does. Throws Error(OriginInvalid).
void checkOrigin(std::string_view origin);
// The same form, but http is accepted for any host: the service's
// allowed_origins may name an intranet page served over http (hcbridge doctor
// warns about it). Throws Error(OriginInvalid).
void checkOriginForm(std::string_view origin);

// sha256(origin) || sha256(nonce): what a Web eID token signs (the card gets
// the SHA-256 of these 64 bytes).
Bytes webEidSignedData(std::string_view origin, std::string_view challengeNonce);

// {"unverifiedCertificate": base64(DER), "algorithm": "RS256"|"ES256",
//  "signature": base64, "format": "web-eid:1.0", "appVersion": appVersion}.
// Checks nonce and origin first, and the card's signature against the
// certificate afterwards (Error(CardSignatureInvalid): a wrong certificate or
// a faulty card must not produce a token that every verifier refuses).
// `algorithm` (PS256 for a token configured for RSA-PSS) defaults to the
// certificate's key: RS256 or ES256.
nlohmann::json makeWebEidToken(ByteView certificateDer, std::string_view origin,
                               std::string_view challengeNonce, std::string_view appVersion,
                               const DigestSigner& sign,
                               std::optional<JwsAlgorithm> algorithm = std::nullopt);

// Compact JWS: header {"alg", "typ": kRecordAccessType, "x5c": [base64(DER)]}
// . claims ; signature = sign(sha256(ascii(header.payload))); base64url
// everywhere except x5c (standard base64, RFC 7515 §4.1.6). `claims` must be
// an object (Error(BadRequest)); the signature is checked like above.
std::string makeCompactJws(ByteView certificateDer, const nlohmann::json& claims,
                           const DigestSigner& sign,
                           std::optional<JwsAlgorithm> algorithm = std::nullopt);

}  // namespace hcbridge::auth
