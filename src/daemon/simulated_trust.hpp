// What --simulate trusts when the config names no trust anchors: the TEST
// PKI that issued the simulated cards' certificates (tests/pki/fixtures,
// embedded). Simulated cards only exist in --simulate, so no real card can
// ever be checked against these TEST anchors.
#pragma once

#include <filesystem>
#include <string_view>

#include "hcbridge/auth/certificate_validator.hpp"

namespace hcbridge::daemon {

// What the TEST PKI's practitioner authentication certificates carry
// (tests/pki/make-test-pki.sh): an invented TEST policy OID, and clientAuth.
inline constexpr std::string_view kTestPractitionerPolicy = "1.2.3.4.5.6.7.8.1";
inline constexpr std::string_view kClientAuthOid = "1.3.6.1.5.5.7.3.2";

// The two roots are apart, so that a simulated patient card can never pass
// for a practitioner's.
struct SimulatedTrust {
  // TEST root, CPS intermediate (also the one practitioner issuer), its CRL,
  // the TEST policy and clientAuth required.
  auth::TrustSettings practitioner;
  auth::TrustSettings patientCard;  // TEST patient-card root, Vitale card CA
};

// Writes the embedded TEST PKI files into `folder` (created 0700) and names them.
SimulatedTrust writeSimulatedTrust(const std::filesystem::path& folder);

}  // namespace hcbridge::daemon
