// ISO 7816-4 command and response APDUs and status-word names.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "hcbridge/bytes.hpp"

namespace hcbridge::apdu {

// Largest Ne of a short APDU (Le byte 00) and of an extended APDU (Le 00 00).
inline constexpr std::size_t kShortMaxNe = 256;
inline constexpr std::size_t kExtendedMaxNe = 65536;
inline constexpr std::size_t kShortMaxNc = 255;
inline constexpr std::size_t kExtendedMaxNc = 65535;

struct CommandApdu {
  std::uint8_t cla = 0x00;
  std::uint8_t ins = 0x00;
  std::uint8_t p1 = 0x00;
  std::uint8_t p2 = 0x00;
  Bytes data;                     // Nc = data.size()
  std::optional<std::size_t> ne;  // expected response length; nullopt = no Le field

  // ISO 7816-3 case 1..4 (1: no data no Le, 2: Le only, 3: data only, 4: both).
  int isoCase() const;
  // True when Nc > 255 or Ne > 256, i.e. the encoding must be extended.
  bool needsExtended() const;
  // Short encoding when possible, extended otherwise. Throws Error(ApduInvalid)
  // when Nc > 65535 or Ne > 65536 or Ne == 0.
  Bytes encode() const;
  // Parses short and extended encodings of all four cases. Throws
  // Error(ApduInvalid) on truncated, overlong or inconsistent input.
  static CommandApdu parse(ByteView raw);
};

struct ResponseApdu {
  Bytes data;
  std::uint16_t sw = 0;

  std::uint8_t sw1() const { return static_cast<std::uint8_t>(sw >> 8); }
  std::uint8_t sw2() const { return static_cast<std::uint8_t>(sw & 0xFF); }
  // 9000, or 61xx (more data) / 6282 (end of file before Ne) which carry data.
  bool isSuccess() const;
  Bytes encode() const;
  // Needs at least the two status bytes. Throws Error(ApduInvalid).
  static ResponseApdu parse(ByteView raw);
};

// Human name of an ISO 7816-4 status word, e.g. 0x6A82 -> "file or application
// not found", 0x63C2 -> "verification failed, 2 tries left". Never empty.
std::string statusWordName(std::uint16_t sw);
// "6982 (security status not satisfied)": the code and its name, for messages.
std::string statusWordText(std::uint16_t sw);

}  // namespace hcbridge::apdu
