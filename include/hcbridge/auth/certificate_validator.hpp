// Validation of a practitioner's authentication certificate against the
// trust anchors, intermediates and CRLs a deployment configures, and the
// practitioner constraints (issuers, policies, extended key usage).
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "hcbridge/bytes.hpp"

namespace hcbridge::auth {

// Every member has a default initializer so designated initializers may leave
// some out (GCC's -Wmissing-field-initializers).
struct TrustSettings {
  // PEM files (DER accepted too), each may hold several certificates. A
  // certificate listed here is trusted as itself, also an end-entity one
  // (X509_V_FLAG_PARTIAL_CHAIN): that is the documented override for test
  // cards whose CA is not published (the gematik HBA images).
  std::vector<std::filesystem::path> trustAnchors{};
  std::vector<std::filesystem::path> intermediates{};  // PEM files of untrusted intermediate CAs
  std::vector<std::filesystem::path> crls{};           // CRL files, DER or PEM
  // Practitioner constraints (config practitioner_trust.issuers, .policies,
  // .extended_key_usage; docs/tokens.md). Each is checked only when set.
  // issuers: PEM files of the CAs allowed to issue the end-entity certificate
  // directly (same subject and key as the chain's issuer). They restrict and
  // nothing else: the chain must still end at an anchor and be built from
  // `intermediates` and x5c. A certificate trusted as itself (an anchor)
  // passes only if listed here too.
  std::vector<std::filesystem::path> issuers{};
  // Dotted certificate policy OIDs: the end-entity certificate's
  // certificatePolicies must hold at least one (any-of).
  std::vector<std::string> policies{};
  // Dotted extended key usage OIDs: the end-entity certificate's
  // extendedKeyUsage must hold every one (e.g. clientAuth 1.3.6.1.5.5.7.3.2).
  std::vector<std::string> extendedKeyUsages{};
};

struct ValidationResult {
  std::string subject{};  // RFC 2253 one-line, UTF-8
  std::string issuer{};
  std::string notAfter{};          // ISO 8601 UTC, e.g. "2049-12-31T23:59:59Z"
  bool revocationChecked = false;  // a CRL of the issuer was configured and consulted
};

// "1.2.250.1.71.4.2.1": digits in at least two arcs, at most 128 characters;
// what TrustSettings::policies and extendedKeyUsages accept.
bool isDottedOid(std::string_view text);

class CertificateValidator {
 public:
  // No anchors: every validate() fails with CertificateUntrusted saying to
  // configure trust anchors.
  CertificateValidator() = default;
  // Loads every file now; throws Error(BadRequest) naming the file that cannot
  // be read or parsed.
  explicit CertificateValidator(const TrustSettings& settings);
  // Copies share the loaded, immutable trust material.

  // An authentication certificate at time `at`. Each failed check has its own
  // Errc: parse (CertificateInvalid), chain to an anchor (CertificateUntrusted),
  // validity of every certificate of the chain at `at` (CertificateExpired),
  // revocation of the end-entity certificate when a CRL of its issuer is
  // configured (CertificateRevoked; an expired or unverifiable CRL is an error
  // with the same code, as the status is then unknown), keyUsage including
  // digitalSignature (CertificateKeyUsage; no keyUsage extension is accepted),
  // then the practitioner constraints when configured: the direct issuer among
  // `issuers` (CertificateUntrusted), a policy of `policies`
  // (CertificatePolicy), every one of `extendedKeyUsages` (CertificateKeyUsage).
  // `extraIntermediates` (DER) are untrusted helpers for path building, e.g.
  // a JWS x5c chain. Thread-safe.
  ValidationResult validate(ByteView certificateDer, std::chrono::system_clock::time_point at,
                            const std::vector<Bytes>& extraIntermediates = {}) const;
  bool hasTrustAnchors() const;
  // Whether practitioner issuers are configured: the verifiers of
  // verifier.hpp refuse to work without (any certificate under the anchors,
  // a patient card's or a server's, would pass for a practitioner's).
  bool restrictsIssuers() const;

 private:
  struct Impl;
  std::shared_ptr<const Impl> impl_;  // null: no trust configured
};

}  // namespace hcbridge::auth
