// Answer-to-reset parsing (ISO 7816-3 section 8.2, historical bytes per
// ISO 7816-4 section 8.1.1).
#include "hcbridge/atr.hpp"

#include <algorithm>
#include <bit>
#include <string>

#include "hcbridge/error.hpp"

namespace hcbridge::atr {
namespace {

constexpr std::size_t kMaxAtrBytes = 33;
constexpr int kGlobalBytesProtocol = 15;  // T=15 qualifies global interface bytes only

[[noreturn]] void invalid(const std::string& message) {
  throw Error(Errc::AtrInvalid, "invalid ATR: " + message,
              "the card answered to reset with malformed data; reinsert or clean the card");
}

// Category indicator 80: the historical bytes are compact-TLV objects (tag in
// the high nibble, length in the low nibble). Card capabilities (tag 7) byte 3
// bit 7 (0x40) announces extended Lc and Le fields. Historical bytes are
// informative, so malformed objects end the scan instead of failing the ATR.
bool announcesExtendedLength(ByteView historical) {
  if (historical.empty() || historical[0] != 0x80) return false;
  std::size_t pos = 1;
  while (pos < historical.size()) {
    const std::uint8_t header = historical[pos++];
    const std::size_t length = header & 0x0F;
    if (length > historical.size() - pos) return false;
    if ((header >> 4) == 0x7 && length >= 3) return (historical[pos + 2] & 0x40) != 0;
    pos += length;
  }
  return false;
}

}  // namespace

Atr parse(ByteView raw) {
  if (raw.size() < 2)
    invalid("needs at least TS and T0, got " + std::to_string(raw.size()) + " byte(s)");
  if (raw.size() > kMaxAtrBytes) {
    invalid(std::to_string(raw.size()) + " bytes, at most " + std::to_string(kMaxAtrBytes) +
            " allowed");
  }
  Atr atr;
  atr.raw.assign(raw.begin(), raw.end());
  if (raw[0] == 0x3F) {
    atr.inverseConvention = true;
  } else if (raw[0] != 0x3B) {
    invalid("TS must be 3B or 3F, got " + toHex(raw.subspan(0, 1)));
  }

  const std::size_t historicalCount = raw[1] & 0x0F;
  std::uint8_t indicator = raw[1] >> 4;  // Y_i: which of TA_i TB_i TC_i TD_i follow
  std::size_t pos = 2;
  bool tckRequired = false;
  for (int group = 1;; ++group) {
    const auto count = static_cast<std::size_t>(std::popcount(indicator));
    if (count > raw.size() - pos) {
      invalid("truncated interface bytes in group " + std::to_string(group));
    }
    const bool hasTd = (indicator & 0x8) != 0;
    pos += count;
    if (!hasTd) break;
    const std::uint8_t td = raw[pos - 1];
    const int protocol = td & 0x0F;
    if (protocol != 0) tckRequired = true;  // anything but "only T=0" needs TCK
    if (protocol != kGlobalBytesProtocol &&
        std::find(atr.protocols.begin(), atr.protocols.end(), protocol) == atr.protocols.end()) {
      atr.protocols.push_back(protocol);
    }
    indicator = td >> 4;
  }
  if (atr.protocols.empty()) atr.protocols.push_back(0);

  if (historicalCount > raw.size() - pos) {
    invalid("announces " + std::to_string(historicalCount) + " historical bytes, only " +
            std::to_string(raw.size() - pos) + " present");
  }
  atr.historical.assign(raw.begin() + static_cast<std::ptrdiff_t>(pos),
                        raw.begin() + static_cast<std::ptrdiff_t>(pos + historicalCount));
  pos += historicalCount;

  const std::size_t rest = raw.size() - pos;
  if (rest > 1) invalid(std::to_string(rest) + " unexpected bytes after the historical bytes");
  if (rest == 0 && tckRequired)
    invalid("missing TCK (required when a protocol other than T=0 is indicated)");
  if (rest == 1) {
    // TCK: T0 ^ ... ^ TCK == 0. Also checked when a T=0-only card sends one.
    std::uint8_t check = 0;
    for (std::size_t i = 1; i < raw.size(); ++i) check = static_cast<std::uint8_t>(check ^ raw[i]);
    if (check != 0) {
      std::uint8_t expected = 0;
      for (std::size_t i = 1; i + 1 < raw.size(); ++i) {
        expected = static_cast<std::uint8_t>(expected ^ raw[i]);
      }
      invalid("wrong TCK " + toHex(raw.subspan(raw.size() - 1)) + ", expected " +
              toHex(ByteView(&expected, 1)));
    }
    atr.hasTck = true;
  }
  atr.extendedLengthSupported = announcesExtendedLength(atr.historical);
  return atr;
}

bool matches(ByteView atr, const MaskedAtr& row) {
  Bytes value;
  Bytes mask;
  try {
    value = fromHex(row.value);
    mask = row.mask.empty() ? Bytes(value.size(), 0xFF) : fromHex(row.mask);
  } catch (const Error& e) {
    throw Error(Errc::Internal, "ATR table row '" + std::string(row.product) + "': " + e.what());
  }
  if (mask.size() != value.size()) {
    throw Error(Errc::Internal, "ATR table row '" + std::string(row.product) +
                                    "': the mask and the value differ in length");
  }
  if (atr.size() != value.size()) return false;
  for (std::size_t i = 0; i < value.size(); ++i) {
    if ((atr[i] & mask[i]) != (value[i] & mask[i])) return false;
  }
  return true;
}

const MaskedAtr* findMatch(ByteView atr, std::span<const MaskedAtr> rows) {
  for (const MaskedAtr& row : rows) {
    if (matches(atr, row)) return &row;
  }
  return nullptr;
}

}  // namespace hcbridge::atr
