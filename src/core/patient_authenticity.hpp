// Whether a patient card is genuine: the card signs a fresh challenge with a
// key that needs no PIN, the signature is checked with the key of the
// certificate the card carries, and that certificate against the configured
// patient-card trust anchors.
#pragma once

#include <chrono>

#include "hcbridge/api/backend.hpp"
#include "hcbridge/auth/certificate_validator.hpp"
#include "hcbridge/card_driver.hpp"

namespace hcbridge::core {

// Verified: the signature verifies and the X.509 certificate chains to a
// trust anchor; Unverified: the card offers no usable proof, no trust anchor
// is configured, or only the key of a CV certificate was checked; Failed:
// the signature does not verify, the certificate is refused, or the card's
// proof is malformed (e.g. EGK_G2_1_ecc.xml's broken CV certificate file).
// Card and reader errors (removed, unresponsive, busy) are thrown.
api::PatientAuthenticity checkPatientCardAuthenticity(CardConnection& card,
                                                      const CardDriver& driver,
                                                      const auth::CertificateValidator& trust,
                                                      std::chrono::system_clock::time_point at);

}  // namespace hcbridge::core
