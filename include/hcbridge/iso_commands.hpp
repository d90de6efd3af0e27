// The APDU vocabulary: named ISO/IEC 7816-4 (and 7816-8) commands, so a
// driver says what it sends instead of spelling bytes. Clause numbers are
// those of ISO/IEC 7816-4:2020 (edition 4), each one checked against public
// texts that cite that edition (gematik lib-smartcards, swICC, the edition's
// published table of contents); a command whose 2020 clause none of them
// confirmed is cited by name and edition only. PERFORM SECURITY OPERATION is
// ISO/IEC 7816-8:2021 (edition 5), cited by name. Every builder takes the
// class byte (5.4) last (default 00, interindustry, no secure messaging,
// basic channel): CPS4 cards talk on logical channel 1 (CLA 01).
// Builders throw Error(ApduInvalid) on arguments the encoding cannot carry.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>

#include "hcbridge/apdu.hpp"
#include "hcbridge/bytes.hpp"

namespace hcbridge::apdu {

// Named status words (7816-4 5.6, status bytes) the drivers test for.
namespace sw {
inline constexpr std::uint16_t kSuccess = 0x9000;
inline constexpr std::uint16_t kEndOfFile = 0x6282;              // fewer than Ne bytes
inline constexpr std::uint16_t kSecurityNotSatisfied = 0x6982;   // e.g. PIN not verified
inline constexpr std::uint16_t kAuthenticationBlocked = 0x6983;  // e.g. PIN blocked
inline constexpr std::uint16_t kConditionsNotSatisfied = 0x6985;
inline constexpr std::uint16_t kWrongData = 0x6A80;  // incorrect command data
inline constexpr std::uint16_t kFunctionNotSupported = 0x6A81;
inline constexpr std::uint16_t kFileNotFound = 0x6A82;  // file or application
inline constexpr std::uint16_t kWrongP1P2 = 0x6A86;
inline constexpr std::uint16_t kReferenceNotFound = 0x6A88;  // e.g. no such key
inline constexpr std::uint16_t kOffsetOutside = 0x6B00;      // offset beyond the EF
inline constexpr std::uint16_t kInsNotSupported = 0x6D00;
inline constexpr std::uint16_t kClaNotSupported = 0x6E00;
// 63Cx: verification failed, x tries left (VERIFY, 11.6.6).
constexpr bool isRetryCounter(std::uint16_t word) {
  return (word & 0xFFF0) == 0x63C0;
}
constexpr int retriesOf(std::uint16_t word) {
  return word & 0x0F;
}
}  // namespace sw

// --- SELECT (7816-4 11.2.2) -------------------------------------------------

// P2 b4-b1: what the card answers with. Fci/Fcp/Fmd send Le 00 (Ne 256); on
// a T=0 card the transport fetches the answer with GET RESPONSE.
enum class SelectAnswer : std::uint8_t {
  Fci = 0x00,   // file control information (P2 00)
  Fcp = 0x04,   // file control parameters (P2 04)
  Fmd = 0x08,   // file management data (P2 08)
  None = 0x0C,  // no response data (P2 0C)
};

// P1 of a selection by file identifier.
enum class FidScope : std::uint8_t {
  Any = 0x00,               // MF, DF or EF; the card searches from the current DF
  ChildDf = 0x01,           // a DF under the current DF
  EfUnderCurrentDf = 0x02,  // an EF under the current DF
};

// P1 of a selection by path: where the path starts. The path
// holds the file identifiers after that start, two bytes each.
enum class PathStart : std::uint8_t {
  Mf = 0x08,         // absolute: from the MF, the MF identifier (3F00) left out
  CurrentDf = 0x09,  // relative: from the current DF
};

// SELECT by DF name (P1 04): an application by its AID (1 to 16 bytes).
CommandApdu selectByAid(ByteView aid, SelectAnswer answer, std::uint8_t cla = 0x00);
// SELECT by file identifier (2 bytes).
CommandApdu selectByFid(std::uint16_t fid, FidScope scope, SelectAnswer answer,
                        std::uint8_t cla = 0x00);
// SELECT by path: an even number of bytes, 2 to 254.
CommandApdu selectByPath(ByteView path, PathStart start, SelectAnswer answer,
                         std::uint8_t cla = 0x00);
// SELECT of the MF: P1 00 without command data.
CommandApdu selectMf(SelectAnswer answer, std::uint8_t cla = 0x00);

// --- READ BINARY (7816-4 11.3.3) --------------------------------------------

// From the current EF at a 15-bit offset (P1 b8 = 0, P1-P2 = offset 0..32767).
// Ne 1..65536; more than 256 makes the APDU extended.
CommandApdu readBinary(std::size_t offset, std::size_t ne, std::uint8_t cla = 0x00);
// From the EF with short identifier `sfi` (1..30), which also becomes the
// current EF: P1 = 80 | sfi, P2 = offset 0..255.
CommandApdu readBinaryBySfi(std::uint8_t sfi, std::size_t offset, std::size_t ne,
                            std::uint8_t cla = 0x00);

// --- Security ---------------------------------------------------------------

// VERIFY (7816-4 11.6.6) of reference data `reference` (P2; b8 = 1: DF-specific)
// with the PIN (block) in `verificationData`, P1 00.
CommandApdu verify(std::uint8_t reference, ByteView verificationData, std::uint8_t cla = 0x00);
// VERIFY without command data (11.6.6): asks whether verification is needed;
// the card answers 9000 (verified), 63Cx (x tries left) or 6983 (blocked).
CommandApdu verificationStatus(std::uint8_t reference, std::uint8_t cla = 0x00);

// MANAGE SECURITY ENVIRONMENT (ISO/IEC 7816-4:2020, by name: no public text
// confirmed its 2020 clause), P1 b4-b1 = 0001 (SET). P1 b8-b5: which
// operations the environment is for.
enum class SecurityUse : std::uint8_t {
  Computation = 0x41,   // computation, decipherment, internal authentication, key agreement
  Verification = 0x81,  // verification, encipherment, external authentication, key agreement
};
// P2: the control reference template that is set.
enum class ControlTemplate : std::uint8_t {
  Authentication = 0xA4,    // AT
  DigitalSignature = 0xB6,  // DST
  Confidentiality = 0xB8,   // CT
};
// One control reference data object with a one-byte value.
struct ControlReference {
  std::uint8_t tag;
  std::uint8_t value;
};
// 80: reference of the cryptographic mechanism (the card's algorithm identifier).
constexpr ControlReference algorithmReference(std::uint8_t id) {
  return {0x80, id};
}
// 84: reference of a private key.
constexpr ControlReference privateKeyReference(std::uint8_t ref) {
  return {0x84, ref};
}
// The references are sent in the order given.
CommandApdu manageSecurityEnvironmentSet(SecurityUse use, ControlTemplate crt,
                                         std::initializer_list<ControlReference> references,
                                         std::uint8_t cla = 0x00);

// INTERNAL AUTHENTICATE (ISO/IEC 7816-4:2020, by name: no public text
// confirmed its 2020 clause), P1 P2 00 00 (algorithm and key from the
// security environment): the card signs `challenge`.
CommandApdu internalAuthenticate(ByteView challenge, std::size_t ne = kShortMaxNe,
                                 std::uint8_t cla = 0x00);
// GET CHALLENGE (7816-4 11.6.3): Ne random bytes.
CommandApdu getChallenge(std::size_t ne, std::uint8_t cla = 0x00);

// PERFORM SECURITY OPERATION: COMPUTE DIGITAL SIGNATURE (ISO/IEC 7816-8:2021,
// by name; P1 9E = digital signature out, P2 9A = data to be signed in).
CommandApdu psoComputeDigitalSignature(ByteView input, std::size_t ne = kShortMaxNe,
                                       std::uint8_t cla = 0x00);

// --- GET DATA ---------------------------------------------------------------

// GET DATA with even INS CA (7816-4 11.5.3): the data object `tag` (P1-P2,
// 0000..FFFF) of the current context.
CommandApdu getData(std::uint16_t tag, std::size_t ne, std::uint8_t cla = 0x00);
// P1-P2 3FFF of GET DATA with odd INS: the current DF.
inline constexpr std::uint16_t kCurrentDf = 0x3FFF;
// GET DATA with odd INS CB (ISO/IEC 7816-4:2020, by name: the public texts
// checked confirm 11.5.3 for INS CA only): data objects in file `fileId` (kCurrentDf
// for the current DF) that the command data (e.g. tag list 5C, header list
// 5D, extended header list 4D) names.
CommandApdu getDataFromFile(std::uint16_t fileId, ByteView references, std::size_t ne,
                            std::uint8_t cla = 0x00);

}  // namespace hcbridge::apdu
