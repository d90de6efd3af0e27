// EF.Version2 and EF.GDO (the MF files eGK and HBA share) on arbitrary bytes:
// either Error(CardDataInvalid) or a version with a known generation and a
// 20-digit ICCSN.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "egk_parsers.hpp"
#include "hcbridge/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace hcbridge;
  const ByteView input(data, size);
  try {
    const auto version = drivers::egk::parseVersion2(input);
    if (version.generation != "G1" && version.generation != "G2" && version.generation != "G2.1") {
      std::abort();
    }
    for (const char c : version.productIdentifier) {
      if (c < 0x20 || c > 0x7E) std::abort();
    }
  } catch (const Error& e) {
    if (e.code() != Errc::CardDataInvalid) std::abort();
  }
  try {
    const std::string iccsn = drivers::egk::parseGdo(input);
    if (iccsn.size() != 20) std::abort();
  } catch (const Error& e) {
    if (e.code() != Errc::CardDataInvalid) std::abort();
  }
  return 0;
}
