// The CPS certificate identity extraction on arbitrary bytes (OpenSSL's DER
// parser plus the subject reading), and the EF.SN.ICC and PIN counter
// parsers on the same bytes. Only Error(CardDataInvalid) (and
// CardUnsupported for a foreign issuer) may come out; accepted values are
// capped and free of control characters.
#include <cstddef>
#include <cstdint>
#include <string>

#include "cps_card_data.hpp"
#include "hcbridge/error.hpp"

namespace {

namespace cps = hcbridge::drivers::cps;

void checkText(const std::string& text) {
  if (text.size() > 256) __builtin_trap();
  for (const char c : text) {
    const auto b = static_cast<unsigned char>(c);
    if (b < 0x20 || b == 0x7F) __builtin_trap();
  }
}

template <typename F>
void onlyDataErrors(F&& call, bool unsupportedOk = false) {
  try {
    call();
  } catch (const hcbridge::Error& e) {
    const bool allowed = e.code() == hcbridge::Errc::CardDataInvalid ||
                         (unsupportedOk && e.code() == hcbridge::Errc::CardUnsupported);
    if (!allowed) __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const hcbridge::ByteView input(data, size);
  onlyDataErrors([&] {
    const cps::PractitionerIdentity id = cps::parseCertificateIdentity(input);
    checkText(id.surname);
    checkText(id.givenNames);
    checkText(id.nationalId);
    checkText(id.profession);
    checkText(id.professionCode);
    for (const char c : id.nationalId) {
      const bool alnum = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
      if (!alnum) __builtin_trap();
    }
  });
  onlyDataErrors(
      [&] {
        const std::string serial = cps::parseSnIcc(input);
        if (serial.size() != 8) __builtin_trap();
      },
      true);
  onlyDataErrors([&] {
    const cps::PinCounters counters = cps::parsePinCounters(input);
    if (counters.maxTries > 15 || counters.triesLeft > counters.maxTries ||
        counters.triesLeft < 0) {
      __builtin_trap();
    }
  });
  return 0;
}
