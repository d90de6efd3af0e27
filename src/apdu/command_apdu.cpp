// CommandApdu: ISO 7816-3 cases 1..4, short and extended encodings.
#include <string>

#include "hcbridge/apdu.hpp"
#include "hcbridge/error.hpp"

namespace hcbridge::apdu {
namespace {

[[noreturn]] void invalid(const std::string& message) {
  throw Error(Errc::ApduInvalid, "invalid command APDU: " + message);
}

std::uint8_t byteOf(std::size_t value, int shift) {
  return static_cast<std::uint8_t>((value >> shift) & 0xFF);
}

std::size_t word(ByteView raw, std::size_t at) {
  return (static_cast<std::size_t>(raw[at]) << 8) | raw[at + 1];
}

}  // namespace

int CommandApdu::isoCase() const {
  if (data.empty()) return ne ? 2 : 1;
  return ne ? 4 : 3;
}

bool CommandApdu::needsExtended() const {
  return data.size() > kShortMaxNc || (ne && *ne > kShortMaxNe);
}

Bytes CommandApdu::encode() const {
  if (data.size() > kExtendedMaxNc) {
    invalid("command data of " + std::to_string(data.size()) + " bytes exceeds the maximum of " +
            std::to_string(kExtendedMaxNc));
  }
  if (ne && *ne == 0)
    invalid("Ne must not be 0; leave Le absent when no response data is expected");
  if (ne && *ne > kExtendedMaxNe) {
    invalid("Ne of " + std::to_string(*ne) + " exceeds the maximum of " +
            std::to_string(kExtendedMaxNe));
  }

  Bytes out{cla, ins, p1, p2};
  out.reserve(4 + 3 + data.size() + 2);
  const bool extended = needsExtended();
  if (!data.empty()) {
    if (extended) {
      out.insert(out.end(), {0x00, byteOf(data.size(), 8), byteOf(data.size(), 0)});
    } else {
      out.push_back(byteOf(data.size(), 0));
    }
    out.insert(out.end(), data.begin(), data.end());
  }
  if (ne) {
    // Ne 256 encodes as 00 (short) and 65536 as 00 00 (extended): the masks do it.
    if (extended) {
      if (data.empty()) out.push_back(0x00);  // case 2E: 00 Le1 Le2
      out.insert(out.end(), {byteOf(*ne, 8), byteOf(*ne, 0)});
    } else {
      out.push_back(byteOf(*ne, 0));
    }
  }
  return out;
}

CommandApdu CommandApdu::parse(ByteView raw) {
  if (raw.size() < 4) {
    invalid("needs at least 4 header bytes, got " + std::to_string(raw.size()));
  }
  CommandApdu apdu;
  apdu.cla = raw[0];
  apdu.ins = raw[1];
  apdu.p1 = raw[2];
  apdu.p2 = raw[3];
  const ByteView body = raw.subspan(4);
  const std::size_t n = body.size();
  if (n == 0) return apdu;  // case 1
  if (n == 1) {             // case 2S
    apdu.ne = body[0] == 0 ? kShortMaxNe : body[0];
    return apdu;
  }

  if (body[0] != 0) {  // case 3S / 4S
    const std::size_t nc = body[0];
    if (n == 1 + nc) {
      apdu.data.assign(body.begin() + 1, body.end());
      return apdu;
    }
    if (n == 2 + nc) {
      apdu.data.assign(body.begin() + 1, body.begin() + 1 + static_cast<std::ptrdiff_t>(nc));
      apdu.ne = body[n - 1] == 0 ? kShortMaxNe : body[n - 1];
      return apdu;
    }
    invalid("Lc " + std::to_string(nc) + " does not match the " + std::to_string(n - 1) +
            " bytes after it");
  }

  // body[0] == 00 with more bytes: extended length (a short Lc of 0 is invalid).
  if (n == 2) invalid("short Lc of 0 or truncated extended length field");
  if (n == 3) {  // case 2E
    const std::size_t le = word(body, 1);
    apdu.ne = le == 0 ? kExtendedMaxNe : le;
    return apdu;
  }
  const std::size_t nc = word(body, 1);
  if (nc == 0) invalid("extended Lc of 00 00");
  if (n == 3 + nc) {  // case 3E
    apdu.data.assign(body.begin() + 3, body.end());
    return apdu;
  }
  if (n == 5 + nc) {  // case 4E
    apdu.data.assign(body.begin() + 3, body.begin() + 3 + static_cast<std::ptrdiff_t>(nc));
    const std::size_t le = word(body, n - 2);
    apdu.ne = le == 0 ? kExtendedMaxNe : le;
    return apdu;
  }
  invalid("extended Lc " + std::to_string(nc) + " does not match the " + std::to_string(n - 3) +
          " bytes after it");
}

}  // namespace hcbridge::apdu
