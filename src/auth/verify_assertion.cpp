// Verifying a record-access assertion (compact JWS, typ
// hcbridge-record-access+jwt): syntax, certificate, signature, then claims.
#include <array>

#include "hcbridge/auth/tokens.hpp"
#include "hcbridge/auth/verifier.hpp"
#include "hcbridge/error.hpp"
#include "json_fields.hpp"
#include "practitioner_rules.hpp"

namespace hcbridge::auth {
namespace {

constexpr std::string_view kHeader = "JWS header";
constexpr std::string_view kClaims = "claims";
constexpr std::array<std::string_view, 3> kPurposes = {"normal", "bris_de_glace", "centre_15"};
constexpr std::chrono::seconds kMaxLeeway{3600};

struct Parts {
  std::string_view header;
  std::string_view payload;
  std::string_view signature;
};

Parts splitCompact(std::string_view jws) {
  if (jws.size() > kMaxAssertionSize) {
    detail::throwTokenInvalid("The assertion is larger than 64 KiB");
  }
  const auto first = jws.find('.');
  const auto second = first == std::string_view::npos ? first : jws.find('.', first + 1);
  if (second == std::string_view::npos || jws.find('.', second + 1) != std::string_view::npos) {
    detail::throwTokenInvalid("The assertion is not a compact JWS (three parts separated by '.')");
  }
  return {jws.substr(0, first), jws.substr(first + 1, second - first - 1), jws.substr(second + 1)};
}

nlohmann::json decodeJsonObject(std::string_view part, std::string_view what) {
  const auto bytes = fromBase64Url(part);
  if (!bytes || bytes->empty()) {
    detail::throwTokenInvalid("The assertion's " + std::string(what) +
                              " is not base64url without padding");
  }
  auto json = nlohmann::json::parse(bytes->begin(), bytes->end(), nullptr, false);
  if (json.is_discarded() || !json.is_object()) {
    detail::throwTokenInvalid("The assertion's " + std::string(what) + " is not a JSON object");
  }
  return json;
}

// The x5c entries as DER: [0] is the signer, the others help path building.
std::vector<Bytes> certificatesOf(const nlohmann::json& header) {
  const auto found = header.find("x5c");
  if (found == header.end() || !found->is_array() || found->empty()) {
    detail::throwTokenInvalid("The JWS header has no \"x5c\" certificate array");
  }
  if (found->size() > 8) detail::throwTokenInvalid("The JWS header \"x5c\" has too many entries");
  std::vector<Bytes> certificates;
  for (const auto& entry : *found) {
    auto der = entry.is_string() ? fromBase64(entry.get_ref<const std::string&>()) : std::nullopt;
    if (!der || der->empty()) {
      detail::throwTokenInvalid(
          "The JWS header \"x5c\" holds an entry that is not standard "
          "base64 of a certificate");
    }
    certificates.push_back(std::move(*der));
  }
  return certificates;
}

void checkTimes(std::int64_t iat, std::int64_t exp, const AssertionExpectations& expect) {
  if (exp <= iat) detail::throwTokenInvalid("The assertion's exp is not after its iat");
  if (exp - iat > kMaxAssertionLifetimeSeconds) {
    throw Error(
        Errc::TokenExpired,
        "The assertion is valid for " + std::to_string(exp - iat) + " s; at most 300 s are allowed",
        "Make assertions just before use with a lifetime of 5 minutes or less.");
  }
  const auto now =
      std::chrono::duration_cast<std::chrono::seconds>(expect.now.time_since_epoch()).count();
  const auto leeway = expect.leeway.count();
  if (now < iat - leeway) {
    throw Error(Errc::TokenExpired,
                "The assertion is issued " + std::to_string(iat - now) +
                    " s in the future (iat), beyond the allowed clock skew",
                "Check the clocks of the workstation and of the record server.");
  }
  if (now > exp + leeway) {
    throw Error(Errc::TokenExpired,
                "The assertion expired " + std::to_string(now - exp) + " s ago (exp)",
                "Make a new assertion for this request.");
  }
}

void checkPurpose(const std::string& purpose) {
  for (const auto known : kPurposes) {
    if (purpose == known) return;
  }
  throw Error(Errc::PurposeInvalid,
              "The assertion's purpose is not one of normal, "
              "bris_de_glace, centre_15",
              "Make the assertion with one of the documented purposes.");
}

}  // namespace

VerifiedAssertion verifyRecordAccessAssertion(std::string_view compactJws,
                                              const AssertionExpectations& expect,
                                              const CertificateValidator& validator,
                                              NonceStore& nonces) {
  detail::requirePractitionerIssuers(validator);
  if (expect.audience.empty()) {
    throw Error(Errc::BadRequest, "No expected audience was given for the assertion",
                "Pass the record server's own identifier as the audience.");
  }
  if (expect.leeway < std::chrono::seconds::zero() || expect.leeway > kMaxLeeway) {
    throw Error(Errc::BadRequest, "The clock leeway must be between 0 and 3600 s");
  }
  if (expect.origin) checkOrigin(*expect.origin);

  const Parts parts = splitCompact(compactJws);
  nlohmann::json header = decodeJsonObject(parts.header, "header");
  nlohmann::json claims = decodeJsonObject(parts.payload, "payload");
  const auto signature = fromBase64Url(parts.signature);
  if (!signature || signature->empty()) {
    detail::throwTokenInvalid("The assertion's signature is not base64url without padding");
  }

  const base::JsonObjectReader headerFields = detail::tokenFields(header, kHeader);
  if (headerFields.requiredString("typ") != kRecordAccessType) {
    detail::throwTokenInvalid("The JWS header typ is not " + std::string(kRecordAccessType));
  }
  // RFC 7515 §4.1.11: extensions a verifier does not understand must be refused.
  if (header.contains("crit")) {
    detail::throwTokenInvalid("The JWS header has a \"crit\" extension hcbridge does not know");
  }
  const std::string& algorithmName = headerFields.requiredString("alg");
  const auto algorithm = parseJwsAlgorithm(algorithmName);
  if (!algorithm) {
    detail::throwTokenInvalid("The JWS header alg is not one of RS256, PS256, ES256");
  }
  std::vector<Bytes> certificates = certificatesOf(header);
  Bytes certificateDer = std::move(certificates.front());
  certificates.erase(certificates.begin());
  const JwsAlgorithm keyAlgorithm = algorithmForCertificate(certificateDer);
  const bool fits = keyAlgorithm == JwsAlgorithm::ES256 ? *algorithm == JwsAlgorithm::ES256
                                                        : *algorithm != JwsAlgorithm::ES256;
  if (!fits) {
    detail::throwTokenInvalid("The JWS alg " + algorithmName +
                              " does not fit the key of the x5c certificate");
  }

  ValidationResult certificate = validator.validate(certificateDer, expect.now, certificates);
  PractitionerIdentity practitioner = practitionerIdentityOf(certificateDer);

  const std::size_t signedLength = parts.header.size() + 1 + parts.payload.size();
  if (!verifyDigest(certificateDer, *algorithm, sha256(compactJws.substr(0, signedLength)),
                    *signature)) {
    detail::throwTokenInvalid("The assertion's signature does not verify with its certificate");
  }

  const base::JsonObjectReader claimFields = detail::tokenFields(claims, kClaims);
  const std::string& audience = claimFields.requiredString("aud");
  const std::string& nonce = claimFields.requiredString("nonce");
  const std::string& jti = claimFields.requiredString("jti");
  const std::int64_t iat = detail::requireSeconds(claimFields, "iat");
  const std::int64_t exp = detail::requireSeconds(claimFields, "exp");
  checkPurpose(claimFields.requiredString("purpose"));
  const std::string* origin = nullptr;
  if (claims.contains("origin")) origin = &claimFields.requiredString("origin");
  detail::checkPractitionerClaims(claims, practitioner);

  if (audience != expect.audience) {
    throw Error(Errc::AudienceMismatch,
                "The assertion is for another audience than " + expect.audience,
                "The assertion was made for another record server: make one for this server.");
  }
  checkTimes(iat, exp, expect);
  if (expect.nonce && nonce != *expect.nonce) {
    throw Error(Errc::NonceMismatch, "The assertion carries another nonce than the one issued",
                "Make the assertion with the nonce this server issued for the request.");
  }
  if (expect.origin && (origin == nullptr || *origin != *expect.origin)) {
    throw Error(Errc::OriginMismatch,
                origin == nullptr
                    ? "The assertion has no origin; expected " + *expect.origin
                    : "The assertion was made for another origin than " + *expect.origin,
                "The assertion was made on another web site than the one it is sent from.");
  }
  if (!nonces.consume(nonce)) {
    throw Error(Errc::NonceReplayed, "The assertion's nonce was already used",
                "Each assertion needs a fresh nonce from the record server.");
  }
  // jti and nonce share the store; the prefix keeps their spaces apart.
  if (!nonces.consume("jti:" + jti)) {
    throw Error(Errc::NonceReplayed, "The assertion's jti was already used",
                "Each assertion is used once: make a new one.");
  }
  return {std::move(header), std::move(claims), std::move(certificateDer), std::move(certificate),
          std::move(practitioner)};
}

}  // namespace hcbridge::auth
