// The Carte Vitale 2 driver (factory: drivers::makeVitaleDriver()).
//
// Recognition: the masked ATR 3B 75 13 00 00 ?? 09 ?A 90 00 answers
// AtrMatch::Yes; read() then selects the VITALE application first and throws
// Error(CardUnsupported) when the card has none, so a first read costs no
// separate probe. probe() (the same SELECT) is there for callers that want it.
#pragma once

#include <string>
#include <string_view>

#include "hcbridge/card_model.hpp"
#include "hcbridge/transport.hpp"

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

}  // namespace hcbridge::drivers::vitale
