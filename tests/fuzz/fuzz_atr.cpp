// atr::parse on arbitrary bytes. There is no ATR encoder, so the invariants
// are: re-parsing raw gives the same result, and the fields agree with raw.
#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "hcbridge/atr.hpp"
#include "hcbridge/error.hpp"

using hcbridge::atr::Atr;

namespace {
bool same(const Atr& a, const Atr& b) {
  return a.raw == b.raw && a.inverseConvention == b.inverseConvention &&
         a.protocols == b.protocols && a.historical == b.historical && a.hasTck == b.hasTck &&
         a.extendedLengthSupported == b.extendedLengthSupported;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Atr atr;
  try {
    atr = hcbridge::atr::parse(hcbridge::ByteView(data, size));
  } catch (const hcbridge::Error&) {
    return 0;
  }
  if (atr.raw.size() != size || !std::equal(atr.raw.begin(), atr.raw.end(), data)) {
    __builtin_trap();
  }
  if (size < 2 || size > 33) __builtin_trap();
  if (atr.inverseConvention != (data[0] == 0x3F)) __builtin_trap();
  if (static_cast<std::size_t>(data[1] & 0x0F) != atr.historical.size()) __builtin_trap();
  // Historical bytes end the ATR, or are followed by TCK only.
  const std::size_t tail = size - atr.historical.size() - (atr.hasTck ? 1 : 0);
  if (!std::equal(atr.historical.begin(), atr.historical.end(), data + tail)) __builtin_trap();
  if (atr.hasTck) {
    std::uint8_t check = 0;
    for (std::size_t i = 1; i < size; ++i) check = static_cast<std::uint8_t>(check ^ data[i]);
    if (check != 0) __builtin_trap();
  }
  if (atr.protocols.empty()) __builtin_trap();
  for (int protocol : atr.protocols) {
    if (protocol < 0 || protocol > 14) __builtin_trap();
    if (std::count(atr.protocols.begin(), atr.protocols.end(), protocol) != 1) __builtin_trap();
  }
  // Any protocol other than T=0 requires a TCK.
  if (!atr.hasTck && atr.protocols != std::vector<int>{0}) __builtin_trap();
  if (!same(atr, hcbridge::atr::parse(atr.raw))) __builtin_trap();
  return 0;
}
