// Verifying a Web eID authentication token the way the Web eID validation
// libraries do (web-eid-authtoken-validation-java / -dotnet), with hcbridge's
// certificate rules and its single-use nonce store.
#include "hcbridge/auth/tokens.hpp"
#include "hcbridge/auth/verifier.hpp"
#include "hcbridge/error.hpp"
#include "json_fields.hpp"
#include "practitioner_rules.hpp"

namespace hcbridge::auth {
namespace {

constexpr std::string_view kToken = "token";
// A certificate or signature beyond this is not a card's; refusing it early
// bounds the work done for a hostile token.
constexpr std::size_t kMaxFieldLength = 64 * 1024;

Bytes decodeField(const base::JsonObjectReader& token, const char* field) {
  const std::string& text = token.requiredString(field);
  if (text.size() > kMaxFieldLength) {
    detail::throwTokenInvalid("The token field \"" + std::string(field) + "\" is too long");
  }
  auto bytes = fromBase64(text);
  if (!bytes || bytes->empty()) {
    detail::throwTokenInvalid("The token field \"" + std::string(field) +
                              "\" is not standard padded base64");
  }
  return std::move(*bytes);
}

// "web-eid:1" or "web-eid:1.x": the major version is what decides the layout.
bool isFormatVersion1(std::string_view format) {
  constexpr std::string_view kMajor = "web-eid:1";
  return format == kMajor || (format.starts_with(kMajor) && format.size() > kMajor.size() &&
                              format[kMajor.size()] == '.');
}

}  // namespace

VerifiedToken verifyWebEidToken(const nlohmann::json& token, const TokenExpectations& expect,
                                const CertificateValidator& validator, NonceStore& nonces) {
  detail::requirePractitionerIssuers(validator);
  checkOrigin(expect.origin);
  checkChallengeNonce(expect.challengeNonce);

  const base::JsonObjectReader fields = detail::tokenFields(token, kToken);
  const std::string& format = fields.requiredString("format");
  if (!isFormatVersion1(format)) {
    detail::throwTokenInvalid("The token format is not web-eid:1 (a Web eID token of version 1)");
  }
  const std::string& algorithmName = fields.requiredString("algorithm");
  fields.requiredString("appVersion");
  Bytes certificateDer = decodeField(fields, "unverifiedCertificate");
  const Bytes signature = decodeField(fields, "signature");

  const auto algorithm = parseJwsAlgorithm(algorithmName);
  if (!algorithm) {
    detail::throwTokenInvalid("The token algorithm is not one of RS256, PS256, ES256");
  }
  const JwsAlgorithm keyAlgorithm = algorithmForCertificate(certificateDer);
  const bool fits = keyAlgorithm == JwsAlgorithm::ES256 ? *algorithm == JwsAlgorithm::ES256
                                                        : *algorithm != JwsAlgorithm::ES256;
  if (!fits) {
    detail::throwTokenInvalid("The token algorithm " + algorithmName +
                              " does not fit the certificate's key type");
  }

  ValidationResult certificate = validator.validate(certificateDer, expect.now);
  PractitionerIdentity practitioner = practitionerIdentityOf(certificateDer);

  const Bytes digest = sha256(webEidSignedData(expect.origin, expect.challengeNonce));
  if (!verifyDigest(certificateDer, *algorithm, digest, signature)) {
    detail::throwTokenInvalid(
        "The token's signature does not verify for the origin " + expect.origin +
        " and the issued nonce: it was made for another origin or nonce, or it was altered");
  }
  if (!nonces.consume(expect.challengeNonce)) {
    throw Error(Errc::NonceReplayed, "The challenge nonce was already used",
                "Each login needs a fresh nonce: ask the server for a new challenge.");
  }
  return {std::move(certificateDer), *algorithm, std::move(certificate), std::move(practitioner)};
}

}  // namespace hcbridge::auth
