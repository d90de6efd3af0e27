// The practitioner's identity in an HBA authentication certificate
// (C.HP.AUT.*): subject names and the admission extension 1.3.36.8.3.3.
// Free of I/O so that unit tests and fuzzers call it directly.
#pragma once

#include <string>
#include <string_view>

#include "hcbridge/bytes.hpp"

namespace hcbridge::drivers::hba {

struct HbaIdentity {
  std::string givenName;
  std::string surname;
  std::string title;
  std::string serialNumber;        // the subject's serialNumber (= ICCSN on the HBA)
  std::string profession;          // admission professionItems[0], e.g. "Ärztin/Arzt"
  std::string professionOid;       // admission professionOIDs[0], e.g. 1.2.276.0.76.4.30
  std::string registrationNumber;  // admission registrationNumber (the Telematik-ID)
};

// Throws Error(CardDataInvalid) naming `fileName` when `der` is not one X.509
// certificate or its admission extension does not parse. Text is UTF-8.
HbaIdentity parseHbaCertificate(ByteView der, std::string_view fileName);

}  // namespace hcbridge::drivers::hba
