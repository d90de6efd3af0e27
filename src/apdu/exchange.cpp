// exchange(): resolves 6Cxx (wrong Le) and 61xx (GET RESPONSE chains).
#include "hcbridge/exchange.hpp"

#include <string>

#include "hcbridge/error.hpp"

namespace hcbridge::apdu {
namespace {

constexpr std::uint8_t kSw1MoreData = 0x61;
constexpr std::uint8_t kSw1WrongLe = 0x6C;
constexpr std::uint8_t kInsGetResponse = 0xC0;
// Interindustry CLA (bit 8 clear): bit 5 marks "not the last command of a chain".
constexpr std::uint8_t kClaProprietary = 0x80;
constexpr std::uint8_t kClaChaining = 0x10;

// SW2 as a length: 00 stands for 256.
std::size_t lengthOf(std::uint8_t sw2) {
  return sw2 == 0 ? kShortMaxNe : sw2;
}

ResponseApdu transmit(const RawTransmit& send, const CommandApdu& command) {
  const Bytes raw = send(command.encode());
  return ResponseApdu::parse(raw);  // throws ApduInvalid below 2 bytes
}

// GET RESPONSE keeps the class of the command (logical channel, secure
// messaging indication) but is never part of a command chain.
std::uint8_t getResponseCla(std::uint8_t cla) {
  if ((cla & kClaProprietary) == 0) return static_cast<std::uint8_t>(cla & ~kClaChaining);
  return cla;
}

}  // namespace

ResponseApdu exchange(const RawTransmit& send, const CommandApdu& command,
                      std::size_t maxChainedBytes) {
  ResponseApdu response = transmit(send, command);

  if (response.sw1() == kSw1WrongLe) {
    CommandApdu retry = command;
    retry.ne = lengthOf(response.sw2());
    response = transmit(send, retry);
    if (response.sw1() == kSw1WrongLe) return response;  // resolved once only
  }

  if (response.sw1() != kSw1MoreData) return response;

  Bytes data = std::move(response.data);
  while (response.sw1() == kSw1MoreData) {
    CommandApdu getResponse;
    getResponse.cla = getResponseCla(command.cla);
    getResponse.ins = kInsGetResponse;
    getResponse.ne = lengthOf(response.sw2());
    response = transmit(send, getResponse);
    if (response.data.size() > maxChainedBytes ||
        data.size() > maxChainedBytes - response.data.size()) {
      throw Error(Errc::ApduInvalid,
                  "response data chained with GET RESPONSE exceeds " +
                      std::to_string(maxChainedBytes) + " bytes",
                  "the card keeps answering 61xx; reset the card");
    }
    if (response.data.empty() && response.sw1() == kSw1MoreData) {
      throw Error(Errc::ApduInvalid, "GET RESPONSE returned no data but announces more (61xx)",
                  "the card keeps answering 61xx without data; reset the card");
    }
    data.insert(data.end(), response.data.begin(), response.data.end());
  }
  response.data = std::move(data);
  return response;
}

}  // namespace hcbridge::apdu
