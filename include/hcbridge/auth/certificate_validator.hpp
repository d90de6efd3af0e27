// Validation of a practitioner's authentication certificate against the
// trust anchors, intermediates and CRLs a deployment configures.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
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
};

struct ValidationResult {
  std::string subject{};  // RFC 2253 one-line, UTF-8
  std::string issuer{};
  std::string notAfter{};          // ISO 8601 UTC, e.g. "2049-12-31T23:59:59Z"
  bool revocationChecked = false;  // a CRL of the issuer was configured and consulted
};

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
  // digitalSignature (CertificateKeyUsage; no keyUsage extension is accepted).
  // `extraIntermediates` (DER) are untrusted helpers for path building, e.g.
  // a JWS x5c chain. Thread-safe.
  ValidationResult validate(ByteView certificateDer, std::chrono::system_clock::time_point at,
                            const std::vector<Bytes>& extraIntermediates = {}) const;
  bool hasTrustAnchors() const;

 private:
  struct Impl;
  std::shared_ptr<const Impl> impl_;  // null: no trust configured
};

}  // namespace hcbridge::auth
