// The defaults of CardDriver's optional operations.
#include "hcbridge/card_driver.hpp"

#include <string>

#include "hcbridge/error.hpp"

namespace hcbridge {

// Practitioner cards prove themselves through the PIN session, and a patient
// card type without a usable card key cannot prove anything: both say so.
CardAuthenticityProof CardDriver::proveAuthenticity(CardConnection& /*card*/,
                                                    ByteView /*challengeDigest*/) const {
  throw Error(Errc::OperationUnsupported,
              std::string(displayName()) + " has no card-authentication function hcbridge can use",
              kind() == CardKind::Practitioner
                  ? "A practitioner card is authenticated by its PIN session instead."
                  : "");
}

}  // namespace hcbridge
