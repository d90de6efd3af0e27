// ResponseApdu: data field followed by SW1 SW2.
#include <string>

#include "hcbridge/apdu.hpp"
#include "hcbridge/error.hpp"

namespace hcbridge::apdu {

bool ResponseApdu::isSuccess() const {
  return sw == 0x9000 || sw1() == 0x61 || sw == 0x6282;
}

Bytes ResponseApdu::encode() const {
  Bytes out;
  out.reserve(data.size() + 2);
  out.assign(data.begin(), data.end());
  out.push_back(sw1());
  out.push_back(sw2());
  return out;
}

ResponseApdu ResponseApdu::parse(ByteView raw) {
  if (raw.size() < 2) {
    throw Error(Errc::ApduInvalid,
                "invalid response APDU: needs the 2 status bytes, got " +
                    std::to_string(raw.size()) + " byte(s)",
                "the card or reader returned a truncated answer; retry or reset the card");
  }
  ResponseApdu response;
  response.data.assign(raw.begin(), raw.end() - 2);
  response.sw = static_cast<std::uint16_t>((raw[raw.size() - 2] << 8) | raw[raw.size() - 1]);
  return response;
}

}  // namespace hcbridge::apdu
