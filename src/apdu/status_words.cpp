// Human names of ISO 7816-4 status words (section 5.1.3, tables 5 and 6).
#include <array>
#include <cstdio>
#include <string>
#include <utility>

#include "hcbridge/apdu.hpp"

namespace hcbridge::apdu {
namespace {

struct Named {
  std::uint16_t sw;
  const char* name;
};

// Exact status words. Kept sorted by value for readability, searched linearly.
constexpr std::array kExact = {
    Named{0x6200, "warning: no information given, non-volatile memory unchanged"},
    Named{0x6281, "warning: part of returned data may be corrupted"},
    Named{0x6282, "end of file or record reached before reading Le bytes"},
    Named{0x6283, "warning: selected file deactivated"},
    Named{0x6284, "warning: file control information not formatted according to ISO 7816-4"},
    Named{0x6285, "warning: selected file in termination state"},
    Named{0x6286, "warning: no input data available from a sensor on the card"},
    Named{0x6300, "warning: no information given, non-volatile memory changed"},
    Named{0x6381, "warning: file filled up by the last write"},
    Named{0x6400, "execution error: no information given, non-volatile memory unchanged"},
    Named{0x6401, "execution error: immediate response required by the card"},
    Named{0x6500, "execution error: no information given, non-volatile memory changed"},
    Named{0x6581, "execution error: memory failure"},
    Named{0x6600, "security-related issue"},
    Named{0x6700, "wrong length"},
    Named{0x6800, "functions in CLA not supported"},
    Named{0x6881, "logical channel not supported"},
    Named{0x6882, "secure messaging not supported"},
    Named{0x6883, "last command of the chain expected"},
    Named{0x6884, "command chaining not supported"},
    Named{0x6900, "command not allowed"},
    Named{0x6981, "command incompatible with file structure"},
    Named{0x6982, "security status not satisfied"},
    Named{0x6983, "authentication method blocked"},
    Named{0x6984, "reference data not usable"},
    Named{0x6985, "conditions of use not satisfied"},
    Named{0x6986, "command not allowed (no current EF)"},
    Named{0x6987, "expected secure messaging data objects missing"},
    Named{0x6988, "incorrect secure messaging data objects"},
    Named{0x6A00, "wrong parameters P1-P2"},
    Named{0x6A80, "incorrect parameters in the command data field"},
    Named{0x6A81, "function not supported"},
    Named{0x6A82, "file or application not found"},
    Named{0x6A83, "record not found"},
    Named{0x6A84, "not enough memory space in the file"},
    Named{0x6A85, "Nc inconsistent with TLV structure"},
    Named{0x6A86, "incorrect parameters P1-P2"},
    Named{0x6A87, "Nc inconsistent with parameters P1-P2"},
    Named{0x6A88, "referenced data or reference data not found"},
    Named{0x6A89, "file already exists"},
    Named{0x6A8A, "DF name already exists"},
    Named{0x6B00, "wrong parameters P1-P2 (offset outside the EF)"},
    Named{0x6D00, "instruction code not supported or invalid"},
    Named{0x6E00, "class not supported"},
    Named{0x6F00, "no precise diagnosis"},
    Named{0x9000, "success"},
};

// Fallbacks for the rest of an ISO 7816-4 SW1 class.
constexpr std::array kClass = {
    std::pair<std::uint8_t, const char*>{0x62, "warning: non-volatile memory unchanged"},
    std::pair<std::uint8_t, const char*>{0x63, "warning: non-volatile memory changed"},
    std::pair<std::uint8_t, const char*>{0x64, "execution error: non-volatile memory unchanged"},
    std::pair<std::uint8_t, const char*>{0x65, "execution error: non-volatile memory changed"},
    std::pair<std::uint8_t, const char*>{0x66, "security-related issue"},
    std::pair<std::uint8_t, const char*>{0x67, "wrong length"},
    std::pair<std::uint8_t, const char*>{0x68, "functions in CLA not supported"},
    std::pair<std::uint8_t, const char*>{0x69, "command not allowed"},
    std::pair<std::uint8_t, const char*>{0x6A, "wrong parameters P1-P2"},
    std::pair<std::uint8_t, const char*>{0x6B, "wrong parameters P1-P2"},
    std::pair<std::uint8_t, const char*>{0x6D, "instruction code not supported or invalid"},
    std::pair<std::uint8_t, const char*>{0x6E, "class not supported"},
    std::pair<std::uint8_t, const char*>{0x6F, "no precise diagnosis"},
};

std::string plural(unsigned count, const char* one, const char* many) {
  return std::to_string(count) + " " + (count == 1 ? one : many);
}

std::string upperHex4(std::uint16_t sw) {
  constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out(4, '0');
  for (int i = 0; i < 4; ++i) out[static_cast<std::size_t>(3 - i)] = kDigits[(sw >> (4 * i)) & 0xF];
  return out;
}

}  // namespace

std::string statusWordName(std::uint16_t sw) {
  const unsigned sw1 = sw >> 8;
  const unsigned sw2 = sw & 0xFF;

  // Status words whose SW2 is a number.
  if (sw1 == 0x61) {
    return plural(sw2 == 0 ? 256 : sw2, "more byte available", "more bytes available");
  }
  if (sw1 == 0x6C) {
    return "wrong Le: " + plural(sw2 == 0 ? 256 : sw2, "byte available", "bytes available");
  }
  if (sw1 == 0x63 && (sw2 & 0xF0) == 0xC0) {
    return "verification failed, " + plural(sw2 & 0x0F, "try left", "tries left");
  }
  if ((sw1 == 0x62 || sw1 == 0x64) && sw2 >= 0x02 && sw2 <= 0x80) {
    return "triggering by the card";
  }
  // GSM 11.11 / ETSI TS 102 221 (SIM cards): response data waiting.
  if (sw1 == 0x9F) {
    return plural(sw2 == 0 ? 256 : sw2, "response byte available", "response bytes available");
  }

  for (const auto& entry : kExact) {
    if (entry.sw == sw) return entry.name;
  }
  for (const auto& [cls, name] : kClass) {
    if (cls == sw1) return name;
  }
  return "unknown status word " + upperHex4(sw);
}

std::string statusWordText(std::uint16_t sw) {
  char code[8];
  std::snprintf(code, sizeof code, "%04X", static_cast<unsigned>(sw));
  return std::string(code) + " (" + statusWordName(sw) + ")";
}

}  // namespace hcbridge::apdu
