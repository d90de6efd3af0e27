// The Carte Vitale 2 driver (factory: drivers::makeVitaleDriver()).
//
// Recognition: the masked ATR 3B 75 13 00 00 ?? 09 ?A 90 00 answers
// AtrMatch::Yes; read() then selects the VITALE application first and throws
// Error(CardUnsupported) when the card has none, so a first read costs no
// separate probe. probe() (the same SELECT) is there for callers that want it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "hcbridge/card_driver.hpp"
#include "hcbridge/card_model.hpp"
#include "hcbridge/transport.hpp"

namespace hcbridge::drivers {

std::unique_ptr<CardDriver> makeVitaleDriver();

}  // namespace hcbridge::drivers

namespace hcbridge::drivers::vitale {

// Model fields whose layout on a real card is not public: the driver reads
// them as the hcbridge simulator profiles lay them out (invented), so on a
// real card they may be missing or wrong. Listed in PatientCard::inventedFields
// whenever the read filled them.
inline constexpr std::string_view kInventedCardSerial = "cardSerial";    // EF 2F02 format
inline constexpr std::string_view kInventedCoverageEnd = "coverageEnd";  // tag 66/81

// The whole read, with "today" (YYYYMMDD) given so tests control the
// validity check. The driver's read() passes the current UTC date.
PatientCard readCard(CardConnection& card, std::string_view todayYyyymmdd);

// Today's UTC date as YYYYMMDD.
std::string todayUtc();

// The INVENTED card-authentication function of hcbridge's Vitale simulator
// profiles (the real one is not public, SESAM-Vitale licence): an EF in the
// VITALE application holds an X.509 card certificate (DER), and a key that
// needs no PIN signs by INTERNAL AUTHENTICATE (EC, r||s). Both IDs invented.
inline constexpr std::uint16_t kCardCertificateFid = 0x2F10;
inline constexpr std::uint8_t kCardKeyRef = 0x10;

// SELECT VITALE, SELECT EF 2F10, READ BINARY (up to the DER length), MSE SET
// AT key 10, INTERNAL AUTHENTICATE over the 32-byte digest. A card without
// the EF (6A82): Error(OperationUnsupported) saying the real Vitale card
// authentication is not public. Error(BadRequest) for a digest that is not
// 32 bytes; Error(CardDataInvalid) naming the file for malformed content.
CardAuthenticityProof proveAuthenticity(CardConnection& card, ByteView challengeDigest);

}  // namespace hcbridge::drivers::vitale
