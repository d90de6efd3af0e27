// Verifying the two tokens: what a record server (or `hcbridge verify-token`
// / `verify-assertion`) does with what hcbridge produced.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "hcbridge/auth/certificate_validator.hpp"
#include "hcbridge/auth/crypto.hpp"
#include "hcbridge/auth/practitioner_identity.hpp"
#include "hcbridge/bytes.hpp"

namespace hcbridge::auth {

// Remembers used nonces so each is accepted once.
class NonceStore {
 public:
  virtual ~NonceStore() = default;
  // True the first time a nonce is seen, false afterwards. Thread-safe.
  virtual bool consume(std::string_view nonce) = 0;
};

// In memory, for one process (a server keeps it for the nonces' lifetime).
class MemoryNonceStore : public NonceStore {
 public:
  bool consume(std::string_view nonce) override;

 private:
  std::mutex mutex_;
  std::set<std::string> used_;  // SHA-256 of each nonce: fixed size whatever the input
};

// One SHA-256 hex per used nonce and line; created 0600; the file is locked
// (flock) while it is checked and appended, so two processes (two CLI runs)
// cannot both accept one nonce. Throws Error(Internal) naming the file when it
// cannot be opened, read or written.
class FileNonceStore : public NonceStore {
 public:
  explicit FileNonceStore(std::filesystem::path file);
  bool consume(std::string_view nonce) override;

 private:
  std::filesystem::path file_;
  std::mutex mutex_;
};

struct TokenExpectations {
  std::string origin{};          // the origin the token must be made for
  std::string challengeNonce{};  // the nonce the server issued
  std::chrono::system_clock::time_point now{};
};

struct VerifiedToken {
  Bytes certificateDer;
  JwsAlgorithm algorithm;
  ValidationResult certificate;
  PractitionerIdentity practitioner;  // from the certificate
};

// Checks, in order: practitioner issuers configured in `validator`
// (BadRequest otherwise), origin and nonce of the expectations (OriginInvalid,
// NonceInvalid), JSON shape and field types (TokenInvalid naming the field),
// format major version "web-eid:1", algorithm known and matching the key type,
// the certificate (validator at `now`, with its practitioner constraints), the
// practitioner it names (CertificatePolicy when none), the signature over
// webEidSignedData(expected origin, expected nonce) -- a token made for another
// origin or nonce fails here with TokenInvalid saying so -- and finally
// consumes the nonce (NonceReplayed when already used).
VerifiedToken verifyWebEidToken(const nlohmann::json& token, const TokenExpectations& expect,
                                const CertificateValidator& validator, NonceStore& nonces);

struct AssertionExpectations {
  std::string audience{};
  std::optional<std::string> nonce{};   // checked when given
  std::optional<std::string> origin{};  // checked when given
  std::chrono::system_clock::time_point now{};
  std::chrono::seconds leeway{30};  // clock skew allowed around iat and exp (0..3600 s)
};

struct VerifiedAssertion {
  nlohmann::json header;
  nlohmann::json claims;
  Bytes certificateDer;
  ValidationResult certificate;
  PractitionerIdentity practitioner;  // from the certificate, never from the claims
};

inline constexpr std::size_t kMaxAssertionSize = 64 * 1024;
inline constexpr std::int64_t kMaxAssertionLifetimeSeconds = 300;

// Checks: practitioner issuers configured in `validator` (BadRequest
// otherwise), compact JWS syntax (3 base64url parts, JSON objects, at most
// 64 KiB), typ == kRecordAccessType, no "crit", alg known and matching the
// x5c[0] key (further x5c entries help path building, never add trust), the
// certificate (validator at now, with its practitioner constraints), the
// practitioner it names (CertificatePolicy when none), the signature, the
// claims present and typed (aud, nonce, jti strings; iat, exp integers;
// purpose one of normal|bris_de_glace|centre_15 -- an unknown value is
// PurposeInvalid; origin a string when present), `sub` and
// `practitioner.idType/id` the certificate's when present (ClaimsMismatch),
// aud == audience (AudienceMismatch), 0 < exp - iat <= 300 s and now within
// [iat - leeway, exp + leeway] (TokenExpired), nonce == expected when given
// (NonceMismatch), origin == expected when given (OriginMismatch), then
// consumes the nonce once and the jti once (NonceReplayed).
VerifiedAssertion verifyRecordAccessAssertion(std::string_view compactJws,
                                              const AssertionExpectations& expect,
                                              const CertificateValidator& validator,
                                              NonceStore& nonces);

}  // namespace hcbridge::auth
