#include "card_io.hpp"

#include <string>

#include "hcbridge/error.hpp"
#include "hcbridge/iso_commands.hpp"

namespace hcbridge::drivers {

apdu::ResponseApdu sendExpectingSuccess(CardConnection& card, const apdu::CommandApdu& command,
                                        std::string_view what, bool endOfFileOk) {
  auto response = card.transmit(command);
  if (response.sw == apdu::sw::kSuccess || (endOfFileOk && response.sw == apdu::sw::kEndOfFile)) {
    return response;
  }
  throwUnexpectedStatus(what, response.sw);
}

bool selectAid(CardConnection& card, ByteView aid, std::string_view what, std::uint8_t cla) {
  const auto response = card.transmit(apdu::selectByAid(aid, apdu::SelectAnswer::None, cla));
  if (response.sw == apdu::sw::kFileNotFound) return false;
  if (response.sw != apdu::sw::kSuccess) {
    throwUnexpectedStatus(what, response.sw, kCardContentHint, "SELECT");
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
    apdu::CommandApdu read;
    if (content.empty() && sfi) {
      read = apdu::readBinaryBySfi(*sfi, 0, want, options.cla);
    } else {
      if (content.size() > 0x7FFF) throwCardDataInvalid(fileName, "file longer than 32767 bytes");
      read = apdu::readBinary(content.size(), want, options.cla);
    }
    const auto response = card.transmit(read);
    if (response.sw == apdu::sw::kFileNotFound && content.empty() && options.absentOk) return {};
    if (response.sw == apdu::sw::kOffsetOutside && !content.empty()) break;  // offset at the end
    if (response.sw != apdu::sw::kSuccess && response.sw != apdu::sw::kEndOfFile) {
      throwUnexpectedStatus(fileName, response.sw, kCardContentHint,
                            "READ BINARY at offset " + std::to_string(content.size()));
    }
    if (response.data.size() > want)
      throwCardDataInvalid(fileName, "the card sent more bytes than asked");
    content.insert(content.end(), response.data.begin(), response.data.end());
    if (content.size() > options.maxSize)
      throwCardDataInvalid(fileName, "file larger than expected");
    if (!declared && options.declaredLength) {
      declared = options.declaredLength(content);
      if (declared && *declared > options.maxSize) {
        throwCardDataInvalid(fileName,
                             "declares " + std::to_string(*declared) + " bytes, more than allowed");
      }
    }
    if (declared && content.size() >= *declared) {
      content.resize(*declared);
      return content;
    }
    if (response.sw == apdu::sw::kEndOfFile || response.data.size() < want || response.data.empty())
      break;
  }
  if (declared && content.size() < *declared) {
    throwCardDataInvalid(fileName, "ends after " + std::to_string(content.size()) + " of the " +
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
    if (pos > 4) throwCardDataInvalid("BER object", "tag too long");
  }
  if (pos >= prefix.size()) return std::nullopt;
  const std::uint8_t first = prefix[pos++];
  if (first < 0x80) return pos + first;
  const std::size_t count = first & 0x7F;
  if (count == 0 || count > 3) throwCardDataInvalid("BER object", "unsupported length encoding");
  if (pos + count > prefix.size()) return std::nullopt;
  std::size_t length = 0;
  for (std::size_t i = 0; i < count; ++i) length = (length << 8) | prefix[pos + i];
  return pos + count + length;
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

Bytes sha256DigestInfo(ByteView hash) {
  static constexpr std::uint8_t kPrefix[] = {0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60,
                                             0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                                             0x01, 0x05, 0x00, 0x04, 0x20};
  if (hash.size() != 32) {
    throw Error(Errc::BadRequest,
                "A SHA-256 hash has 32 bytes, not " + std::to_string(hash.size()));
  }
  Bytes digestInfo(std::begin(kPrefix), std::end(kPrefix));
  digestInfo.insert(digestInfo.end(), hash.begin(), hash.end());
  return digestInfo;
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
