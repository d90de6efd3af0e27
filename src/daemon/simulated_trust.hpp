// What --simulate trusts when the config names no trust anchors: the TEST
// PKI that issued the simulated cards' certificates (tests/pki/fixtures,
// embedded). Simulated cards only exist in --simulate, so no real card can
// ever be checked against these TEST anchors.
#pragma once

#include <filesystem>

#include "hcbridge/auth/certificate_validator.hpp"

namespace hcbridge::daemon {

struct SimulatedTrust {
  auth::TrustSettings practitioner;  // TEST root, CPS intermediate, its CRL
  auth::TrustSettings patientCard;   // TEST root, Vitale card CA
};

// Writes the embedded TEST PKI files into `folder` (created 0700) and names them.
SimulatedTrust writeSimulatedTrust(const std::filesystem::path& folder);

}  // namespace hcbridge::daemon
