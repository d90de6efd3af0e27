// Parsers for CPS card content other than PKCS#15 directories: the
// practitioner's identity in the certificate subject, EF.SN.ICC, and the
// CPS3 PIN counter SDO. Free functions for tests and fuzzers; untrusted
// input; malformations throw Error(CardDataInvalid) naming the source.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "hcbridge/bytes.hpp"
#include "hcbridge/card_model.hpp"

namespace hcbridge::drivers::cps {

// The practitioner as the certificate subject gives it.
//
// The real DN layout of CPS certificates is not public (docs/cards-french.md, CPS "Identity: the
// test subject layout"): this follows the layout hcbridge's TEST PKI defines (tests/pki, documented
// in docs/cards-french.md), read defensively:
//   surname        SN (2.5.4.4); else the upper-case tail of CN
//   givenNames     GN (2.5.4.42); else the rest of CN
//   nationalId     serialNumber (2.5.4.5) when 2..32 letters/digits; else a
//                  CN that starts with digits ("899700218896/CPS" -> the digits)
//   professionCode title (2.5.4.12) when it is digits (NOS TRE_G15 code)
//   profession     the TRE_G15 name of that code, or title when not digits
//   professionalId "rpps" + the 11 RPPS digits when nationalId is 8 + RPPS
//                  (docs/cards-french.md, idNat_PS); else "idnat" + nationalId
// Missing attributes give empty strings; none of them is required.
struct PractitionerIdentity {
  std::string surname;
  std::string givenNames;
  std::string nationalId;
  std::string profession;
  std::string professionCode;
  std::optional<TypedId> professionalId;
};

// Parses a DER X.509 certificate (the whole input, no trailing bytes) and
// reads the subject. Text is UTF-8 with control characters replaced by '?',
// each value at most 256 bytes. Throws Error(CardDataInvalid) naming
// `what` when the bytes are no certificate.
PractitionerIdentity parseCertificateIdentity(ByteView der, std::string_view what = "certificate");

// The name of a TRE_G15 profession code ("10" -> "Médecin"), or "" when the
// driver does not know it.
std::string professionName(std::string_view code);

// EF.SN.ICC: 5A 0A, 10 BCD bytes whose first five are the ANS issuer number
// 80 25 00 00 01. Returns the card serial as the ANS driver does: the BCD
// digits after the issuer number, without the last byte (Luhn digit and F
// filler), e.g. 5A 0A 80 25 00 00 01 99 21 38 45 0F -> "99213845".
// Throws Error(CardDataInvalid) when the layout differs and
// Error(CardUnsupported) when the issuer is not the ANS.
std::string parseSnIcc(ByteView content);

struct PinCounters {
  int maxTries = 0;
  int triesLeft = 0;
  std::optional<int> usesLeft;  // tag 9D, when present
};

// The answer to GET DATA (CB) on the CHV SDO (docs/cards-french.md, CPS "PIN and signature"):
// 70 { BF 81 <ref> { A0 { 9A max, 9B left, [9C usage max], [9D usage left] } } }.
// Throws Error(CardDataInvalid) when 9A or 9B is missing or malformed.
PinCounters parsePinCounters(ByteView response);

}  // namespace hcbridge::drivers::cps
