#include "card_io.hpp"

#include <cstdio>
#include <string>

#include "hcbridge/error.hpp"

namespace hcbridge::drivers {
namespace {

std::string swHex(std::uint16_t sw) {
  char text[8];
  std::snprintf(text, sizeof text, "%04X", sw);
  return text;
}

[[noreturn]] void invalid(std::string_view what, const std::string& detail) {
  throw Error(Errc::CardDataInvalid, std::string(what) + ": " + detail,
              "The card's content is not what this card type should hold. If the card works "
              "elsewhere, report it with the output of 'hcbridge readers --json'.");
}

}  // namespace

apdu::ResponseApdu sendExpectingSuccess(CardConnection& card, const apdu::CommandApdu& command,
                                        std::string_view what, bool endOfFileOk) {
  auto response = card.transmit(command);
  if (response.sw == 0x9000 || (endOfFileOk && response.sw == 0x6282)) return response;
  invalid(what, "the card answered " + swHex(response.sw) + " (" +
                    apdu::statusWordName(response.sw) + ")");
}

bool selectAid(CardConnection& card, ByteView aid, std::string_view what, std::uint8_t cla) {
  const apdu::CommandApdu select{cla, 0xA4, 0x04, 0x0C, Bytes(aid.begin(), aid.end()),
                                 std::nullopt};
  const auto response = card.transmit(select);
  if (response.sw == 0x6A82) return false;
  if (response.sw != 0x9000) {
    invalid(what, "SELECT answered " + swHex(response.sw) + " (" +
                      apdu::statusWordName(response.sw) + ")");
  }
  return true;
}

Bytes readTransparent(CardConnection& card, std::optional<std::uint8_t> sfi,
                      std::string_view fileName, const ReadOptions& options) {
  if (sfi && *sfi > 30) throw Error(Errc::Internal, "SFI out of range");
  Bytes content;
  std::optional<std::size_t> declared;
  for (;;) {
    std::size_t want = options.chunk;
    if (declared) want = std::min(want, *declared - content.size());
    apdu::CommandApdu read{options.cla, 0xB0, 0, 0, {}, want};
    if (content.empty() && sfi) {
      read.p1 = static_cast<std::uint8_t>(0x80 | *sfi);
    } else {
      if (content.size() > 0x7FFF) invalid(fileName, "file longer than 32767 bytes");
      read.p1 = static_cast<std::uint8_t>(content.size() >> 8);
      read.p2 = static_cast<std::uint8_t>(content.size() & 0xFF);
    }
    const auto response = card.transmit(read);
    if (response.sw == 0x6A82 && content.empty() && options.absentOk) return {};
    if (response.sw == 0x6B00 && !content.empty()) break;  // offset at the end
    if (response.sw != 0x9000 && response.sw != 0x6282) {
      invalid(fileName, "READ BINARY at offset " + std::to_string(content.size()) +
                            " answered " + swHex(response.sw) + " (" +
                            apdu::statusWordName(response.sw) + ")");
    }
    if (response.data.size() > want) invalid(fileName, "the card sent more bytes than asked");
    content.insert(content.end(), response.data.begin(), response.data.end());
    if (content.size() > options.maxSize) invalid(fileName, "file larger than expected");
    if (!declared && options.declaredLength) {
      declared = options.declaredLength(content);
      if (declared && *declared > options.maxSize) {
        invalid(fileName, "declares " + std::to_string(*declared) + " bytes, more than allowed");
      }
    }
    if (declared && content.size() >= *declared) {
      content.resize(*declared);
      return content;
    }
    if (response.sw == 0x6282 || response.data.size() < want || response.data.empty()) break;
  }
  if (declared && content.size() < *declared) {
    invalid(fileName, "ends after " + std::to_string(content.size()) + " of the " +
                          std::to_string(*declared) + " bytes it declares");
  }
  return content;
}

std::optional<std::size_t> berObjectLength(ByteView prefix) {
  if (prefix.empty()) return std::nullopt;
  std::size_t pos = 1;
  if ((prefix[0] & 0x1F) == 0x1F) {  // multi-byte tag
    while (pos < prefix.size() && (prefix[pos] & 0x80)) ++pos;
    ++pos;
    if (pos > 4) invalid("BER object", "tag too long");
  }
  if (pos >= prefix.size()) return std::nullopt;
  const std::uint8_t first = prefix[pos++];
  if (first < 0x80) return pos + first;
  const std::size_t count = first & 0x7F;
  if (count == 0 || count > 3) invalid("BER object", "unsupported length encoding");
  if (pos + count > prefix.size()) return std::nullopt;
  std::size_t length = 0;
  for (std::size_t i = 0; i < count; ++i) length = (length << 8) | prefix[pos + i];
  return pos + count + length;
}

void checkVerifyStatus(std::uint16_t sw) {
  if (sw == 0x9000) return;
  if ((sw & 0xFFF0) == 0x63C0) {
    const int left = sw & 0x0F;
    if (left == 0) {
      throw PinError(Errc::PinBlocked, 0, "The PIN is now blocked",
                     "Unblock the card with its PUK (card issuer's procedure).");
    }
    throw PinError(Errc::PinIncorrect, left,
                   "Wrong PIN: " + std::to_string(left) + (left == 1 ? " try" : " tries") + " left",
                   left == 1 ? "One try is left: a further wrong PIN blocks the card."
                             : std::string());
  }
  if (sw == 0x6983) {
    throw PinError(Errc::PinBlocked, 0, "The PIN is blocked",
                   "Unblock the card with its PUK (card issuer's procedure).");
  }
  invalid("VERIFY", "the card answered " + swHex(sw) + " (" + apdu::statusWordName(sw) + ")");
}

SecretBytes format2PinBlock(const SecretBytes& asciiPin) {
  const ByteView pin = asciiPin.view();
  if (pin.size() < 4 || pin.size() > 12) {
    throw Error(Errc::BadRequest, "A PIN has 4 to 12 digits");
  }
  std::uint8_t block[8] = {0x20, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
  block[0] = static_cast<std::uint8_t>(0x20 | pin.size());
  for (std::size_t i = 0; i < pin.size(); ++i) {
    if (pin[i] < '0' || pin[i] > '9') {
      throw Error(Errc::BadRequest, "A PIN has digits only");
    }
    const auto digit = static_cast<std::uint8_t>(pin[i] - '0');
    std::uint8_t& target = block[1 + i / 2];
    target = i % 2 == 0 ? static_cast<std::uint8_t>((digit << 4) | 0x0F)
                        : static_cast<std::uint8_t>((target & 0xF0) | digit);
  }
  SecretBytes result{ByteView(block, sizeof block)};
  volatile std::uint8_t* wipe = block;
  for (std::size_t i = 0; i < sizeof block; ++i) wipe[i] = 0;
  return result;
}

std::string bcdToDigits(ByteView bcd) {
  std::string digits;
  for (const std::uint8_t byte : bcd) {
    for (const int nibble : {byte >> 4, byte & 0x0F}) {
      if (nibble > 9) return digits;  // F filler ends the number
      digits += static_cast<char>('0' + nibble);
    }
  }
  return digits;
}

}  // namespace hcbridge::drivers
