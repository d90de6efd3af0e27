// Card-verifiable certificates (CV certificates) of the German health cards,
// e.g. EF.C.eGK.AUT_CVC.E256 in the eGK's MF: the certificate of the card's
// role-authentication key PrK.eGK.AUT_CVC.E256.
//
//   7F21 CV certificate
//     7F4E body (what the CA signed)
//       5F29 profile identifier     42 CA reference (CAR)
//       7F49 public key { 06 OID, 86 point 04||X||Y }
//       5F20 holder reference (CHR) 7F4C holder authorisation (CHAT)
//       5F25 effective date         5F24 expiry date (6 digits YYMMDD, one per byte)
//     5F37 signature (ECDSA r||s)
//
// The parser reads card content: every length is checked against the bytes
// there are, and anything else is Error(CardDataInvalid) naming the file.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "hcbridge/bytes.hpp"

namespace hcbridge::drivers::egk {

struct CvCertificate {
  Bytes body;                      // the whole 7F4E object as on the card
  std::uint8_t profileIdentifier;  // 5F29: 70 on G2 cards
  Bytes authorityReference;        // 42 (CAR)
  Bytes publicKeyOid;              // 06 in 7F49: the OID's content octets
  Bytes publicPoint;               // 86 in 7F49: uncompressed point 04 || X || Y
  Bytes holderReference;           // 5F20 (CHR): 12 bytes for a card, 8 for a CA
  Bytes holderAuthorization;       // 7F4C content, as on the card
  std::string effectiveDate;       // 5F25 as "YYMMDD"
  std::string expiryDate;          // 5F24 as "YYMMDD"
  Bytes signature;                 // 5F37
};

// Parses one CV certificate filling all of `der`. Throws
// Error(CardDataInvalid) "<fileName>: ..." on anything malformed.
CvCertificate parseCvCertificate(ByteView der, std::string_view fileName);

// The DER SubjectPublicKeyInfo (id-ecPublicKey, brainpoolP256r1) of a CV
// certificate's point. The E256 keys of the G2 cards are on brainpoolP256r1;
// the certificate does not name the curve. Throws Error(CardDataInvalid)
// naming the file when the point is not on that curve.
Bytes brainpoolP256r1PublicKeyInfo(ByteView point, std::string_view fileName);

}  // namespace hcbridge::drivers::egk
