// What the service needs to authenticate cards: trust anchors for
// practitioner and patient-card certificates, the verification time, the
// practitioner session's idle timeout.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "hcbridge/auth/certificate_validator.hpp"

namespace hcbridge::core {

struct AuthenticationSettings {
  // Empty validators refuse every certificate with a hint to configure them.
  auth::CertificateValidator practitionerTrust;
  auth::CertificateValidator patientCardTrust;
  // When certificates are checked; tests pin it (the gematik images'
  // certificates have expired).
  std::function<std::chrono::system_clock::time_point()> verificationTime = [] {
    return std::chrono::system_clock::now();
  };
  std::chrono::seconds sessionIdleTimeout{15 * 60};
  // The Web eID token's appVersion: a URL naming the issuing application.
  std::string appVersion = "https://hcbridge.local/releases/unknown";
};

}  // namespace hcbridge::core
