// Answer-to-reset (ISO 7816-3) parsing: protocols and historical bytes.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "hcbridge/bytes.hpp"

namespace hcbridge::atr {

struct Atr {
  Bytes raw;
  bool inverseConvention = false;  // TS = 3F
  std::vector<int> protocols;      // e.g. {0, 1}; T=0 implied when no TD byte
  Bytes historical;
  bool hasTck = false;
  // From the card-capabilities compact-TLV object (tag 7x) in the historical
  // bytes: the card accepts extended Lc/Le.
  bool extendedLengthSupported = false;
};

// Throws Error(AtrInvalid) on truncated input, TS other than 3B/3F, more
// than 33 bytes, or a wrong TCK.
Atr parse(ByteView raw);

// One row of a driver's ATR table, as OpenSC's card drivers keep them: the
// ATR in hex ("3B 75 13 ..."), a mask of the same length (empty: the ATR
// exactly; a 00 bit in the mask: any value), the product it names and where
// the row comes from (a spec section, a vendor trace, a card seen).
struct MaskedAtr {
  std::string_view value;
  std::string_view mask;
  std::string_view product;
  std::string_view source;
};

// True when `atr` has the row's length and equals its value in every bit the
// mask keeps. Throws Error(Internal) when the row itself is malformed (hex,
// or a mask of another length).
bool matches(ByteView atr, const MaskedAtr& row);
// The first row `atr` matches, or nullptr.
const MaskedAtr* findMatch(ByteView atr, std::span<const MaskedAtr> rows);

}  // namespace hcbridge::atr
