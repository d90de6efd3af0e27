// What the service needs to authenticate cards: trust anchors for
// practitioner and patient-card certificates, the verification time, the
// practitioner session's idle timeout.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
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
  // Practitioner cards through the card middleware's PKCS#11 module instead
  // of hcbridge's own drivers (config practitioner_pkcs11, docs/install.md).
  struct Pkcs11Practitioner {
    std::string module{};      // path of the module (.so)
    std::string tokenLabel{};  // only tokens with this label; empty: any
    Bytes keyId{};             // CKA_ID of the authentication key; empty: found by its certificate
    bool rsaPss = false;       // sign with an RSA key as PS256 (CPS4) rather than RS256
    // A module call that has not returned after this long is a hung module.
    std::chrono::milliseconds callTimeout{std::chrono::seconds(30)};
    // How often a token with no PC/SC reader behind it (SoftHSM2) is checked for presence.
    std::chrono::milliseconds presencePoll{std::chrono::seconds(1)};
  };
  std::optional<Pkcs11Practitioner> pkcs11 = std::nullopt;
  // The Web eID token's appVersion: a URL naming the issuing application.
  std::string appVersion = "https://hcbridge.local/releases/unknown";
};

}  // namespace hcbridge::core
