// The fixed verifier set-up of fuzz_auth_token and fuzz_auth_jws, shared with
// the unit test that writes and checks their seed corpora: the test PKI (root
// anchor; CPS and Vitale intermediates; the CPS CRL) at 2026-01-01.
#pragma once

#include <chrono>
#include <string>

#include "hcbridge/auth/certificate_validator.hpp"

namespace hcbridge::fuzz_auth {

inline const std::string kNonce = "c2VjcmV0LW5vbmNlLW9mLTMyLWJ5dGVzLWZvci10ZXN0cyE=";
inline const std::string kOrigin = "https://records.example.org";
inline const std::string kAudience = "https://records.example.org/api";
inline constexpr std::int64_t kNowSeconds = 1767225600;  // 2026-01-01T00:00:00Z

inline std::chrono::system_clock::time_point now() {
  return std::chrono::system_clock::time_point(std::chrono::seconds(kNowSeconds));
}

inline const auth::CertificateValidator& validator() {
  static const auth::CertificateValidator instance({
      .trustAnchors = {std::string(HCBRIDGE_PKI_DIR) + "/root.cert.pem"},
      .intermediates = {std::string(HCBRIDGE_PKI_DIR) + "/intermediate.cert.pem",
                        std::string(HCBRIDGE_PKI_DIR) + "/vitale-ca.cert.pem"},
      .crls = {std::string(HCBRIDGE_PKI_DIR) + "/intermediate.crl"},
      .issuers = {std::string(HCBRIDGE_PKI_DIR) + "/intermediate.cert.pem"},
      .policies = {"1.2.3.4.5.6.7.8.1"},
      .extendedKeyUsages = {"1.3.6.1.5.5.7.3.2"},
  });
  return instance;
}

}  // namespace hcbridge::fuzz_auth
