// Fuzzes the simulated card: the input as one command APDU on a fresh T=1
// card, then as a sequence of commands (each prefixed by a length byte) on a
// fresh T=0 card. The card must never crash and always answer a status word.
#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "hcbridge/sim/card.hpp"
#include "hcbridge/sim/profile.hpp"

namespace {

void checkResponse(const hcbridge::Bytes& response) {
  if (response.size() < 2 || response.size() > 65536 + 2) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const hcbridge::sim::Profile t1 = hcbridge::sim::loadProfile("generic");
  static const hcbridge::sim::Profile t0 = hcbridge::sim::loadProfile("generic-t0");
  const hcbridge::ByteView input(data, size);

  hcbridge::sim::Card single(t1);
  checkResponse(single.process(input));

  hcbridge::sim::Card sequence(t0);
  std::size_t offset = 0;
  while (offset < size) {
    const std::size_t length = std::min<std::size_t>(data[offset], size - offset - 1);
    checkResponse(sequence.process(input.subspan(offset + 1, length)));
    offset += 1 + length;
  }
  return 0;
}
