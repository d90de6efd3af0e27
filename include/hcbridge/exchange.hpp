// The transport-independent part of transmit(): status words 61xx and 6Cxx.
#pragma once

#include <functional>

#include "hcbridge/apdu.hpp"

namespace hcbridge::apdu {

// Sends raw command bytes, returns raw response bytes (data + SW1 SW2).
using RawTransmit = std::function<Bytes(ByteView)>;

// Sends `command` and resolves the T=0 style status words once each:
//  - 6Cxx: re-sends the same command with Le = xx (00 means 256);
//  - 61xx: sends GET RESPONSE (CLA of the command, INS C0, Le xx) and appends
//    the data, repeating while the card answers 61xx, up to `maxChainedBytes`.
// Throws Error(ApduInvalid) when the card's response is shorter than 2 bytes,
// or the chained data would exceed the cap.
ResponseApdu exchange(const RawTransmit& send, const CommandApdu& command,
                      std::size_t maxChainedBytes = 65536);

}  // namespace hcbridge::apdu
