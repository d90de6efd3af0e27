// EF.StatusVD of the eGK on arbitrary bytes: either Error(CardDataInvalid)
// or a status whose fields have their fixed shapes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "egk_parsers.hpp"
#include "hcbridge/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace hcbridge;
  try {
    const EgkStatusVd status = drivers::egk::parseStatusVd(ByteView(data, size));
    if (status.raw.size() != 25 || status.lastUpdateUtc.size() != 14) std::abort();
    if (status.updateInProgress != (data[0] == '1')) std::abort();
    if (status.schemaVersion.empty() || status.structureVersion.empty()) std::abort();
  } catch (const Error& e) {
    if (e.code() != Errc::CardDataInvalid) std::abort();
  }
  return 0;
}
