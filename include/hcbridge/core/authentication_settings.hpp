// What the service needs to authenticate cards: trust anchors for
// practitioner and patient-card certificates, the verification time, the
// practitioner session's idle timeout.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

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
  // The wait before the next PIN attempt on a card after the 1st, 2nd, ...
  // wrong PIN in a row (the last repeats): a caller cannot burn a card's
  // tries faster than a person types.
  std::vector<std::chrono::milliseconds> pinRetryDelays{
      std::chrono::seconds(1), std::chrono::seconds(5), std::chrono::seconds(30)};
  // A record access for a patient whose card is not in a reader (the caller
  // names the patient): the PIN again for each one (default), the open
  // session alone (emergency regulation, centre 15), or never.
  enum class CardAbsentAccess { Pin, Session, Deny };
  CardAbsentAccess cardAbsentAccess = CardAbsentAccess::Pin;
  // The Web eID token's appVersion: a URL naming the issuing application.
  std::string appVersion = "https://hcbridge.local/releases/unknown";
};

}  // namespace hcbridge::core
