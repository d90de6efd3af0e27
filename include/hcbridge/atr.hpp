// Answer-to-reset (ISO 7816-3) parsing: protocols and historical bytes.
#pragma once

#include <cstdint>
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

}  // namespace hcbridge::atr
