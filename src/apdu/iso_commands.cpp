// The named ISO/IEC 7816-4 / 7816-8 commands (see iso_commands.hpp for the
// edition and clause of each).
#include "hcbridge/iso_commands.hpp"

#include <optional>
#include <string>

#include "hcbridge/error.hpp"

namespace hcbridge::apdu {
namespace {

// Instruction bytes (PERFORM SECURITY OPERATION from 7816-8, the rest 7816-4).
constexpr std::uint8_t kInsSelect = 0xA4;
constexpr std::uint8_t kInsReadBinary = 0xB0;
constexpr std::uint8_t kInsVerify = 0x20;
constexpr std::uint8_t kInsManageSecurityEnvironment = 0x22;
constexpr std::uint8_t kInsPerformSecurityOperation = 0x2A;
constexpr std::uint8_t kInsInternalAuthenticate = 0x88;
constexpr std::uint8_t kInsGetChallenge = 0x84;
constexpr std::uint8_t kInsGetData = 0xCA;
constexpr std::uint8_t kInsGetDataOdd = 0xCB;

constexpr std::uint8_t kSelectByDfName = 0x04;
constexpr std::uint8_t kReadBySfi = 0x80;  // READ BINARY P1 b8: b5-b1 are an SFI
constexpr std::uint8_t kMaxSfi = 30;       // 1..30; 0 and 31 are reserved
constexpr std::size_t kMaxOffset15 = 0x7FFF;
constexpr std::size_t kMaxAidLength = 16;
constexpr std::uint8_t kPsoDigitalSignature = 0x9E;  // P1: what the card returns
constexpr std::uint8_t kPsoDataToBeSigned = 0x9A;    // P2: what the data field holds

[[noreturn]] void invalid(const std::string& message) {
  throw Error(Errc::ApduInvalid, "invalid command APDU: " + message);
}

std::uint8_t high(std::size_t value) {
  return static_cast<std::uint8_t>((value >> 8) & 0xFF);
}
std::uint8_t low(std::size_t value) {
  return static_cast<std::uint8_t>(value & 0xFF);
}

std::optional<std::size_t> answerLength(SelectAnswer answer) {
  if (answer == SelectAnswer::None) return std::nullopt;
  return kShortMaxNe;
}

void checkNe(std::size_t ne) {
  if (ne == 0 || ne > kExtendedMaxNe) {
    invalid("Ne " + std::to_string(ne) + " outside 1.." + std::to_string(kExtendedMaxNe));
  }
}

CommandApdu make(std::uint8_t cla, std::uint8_t ins, std::uint8_t p1, std::uint8_t p2,
                 ByteView data, std::optional<std::size_t> ne) {
  if (ne) checkNe(*ne);
  return CommandApdu{cla, ins, p1, p2, Bytes(data.begin(), data.end()), ne};
}

}  // namespace

CommandApdu selectByAid(ByteView aid, SelectAnswer answer, std::uint8_t cla) {
  if (aid.empty() || aid.size() > kMaxAidLength) {
    invalid("an AID has 1 to 16 bytes, not " + std::to_string(aid.size()));
  }
  return make(cla, kInsSelect, kSelectByDfName, static_cast<std::uint8_t>(answer), aid,
              answerLength(answer));
}

CommandApdu selectByFid(std::uint16_t fid, FidScope scope, SelectAnswer answer, std::uint8_t cla) {
  const std::uint8_t id[] = {high(fid), low(fid)};
  return make(cla, kInsSelect, static_cast<std::uint8_t>(scope), static_cast<std::uint8_t>(answer),
              ByteView(id, sizeof id), answerLength(answer));
}

CommandApdu selectByPath(ByteView path, PathStart start, SelectAnswer answer, std::uint8_t cla) {
  if (path.empty() || path.size() % 2 != 0 || path.size() > kShortMaxNc) {
    invalid("a path has an even number of bytes from 2 to 254, not " + std::to_string(path.size()));
  }
  return make(cla, kInsSelect, static_cast<std::uint8_t>(start), static_cast<std::uint8_t>(answer),
              path, answerLength(answer));
}

CommandApdu selectMf(SelectAnswer answer, std::uint8_t cla) {
  return make(cla, kInsSelect, static_cast<std::uint8_t>(FidScope::Any),
              static_cast<std::uint8_t>(answer), {}, answerLength(answer));
}

CommandApdu readBinary(std::size_t offset, std::size_t ne, std::uint8_t cla) {
  if (offset > kMaxOffset15) {
    invalid("READ BINARY offset " + std::to_string(offset) + " needs more than 15 bits");
  }
  return make(cla, kInsReadBinary, high(offset), low(offset), {}, ne);
}

CommandApdu readBinaryBySfi(std::uint8_t sfi, std::size_t offset, std::size_t ne,
                            std::uint8_t cla) {
  if (sfi == 0 || sfi > kMaxSfi) invalid("SFI " + std::to_string(sfi) + " outside 1..30");
  if (offset > 0xFF) {
    invalid("READ BINARY by SFI: offset " + std::to_string(offset) + " needs more than 8 bits");
  }
  return make(cla, kInsReadBinary, static_cast<std::uint8_t>(kReadBySfi | sfi), low(offset), {},
              ne);
}

CommandApdu verify(std::uint8_t reference, ByteView verificationData, std::uint8_t cla) {
  if (verificationData.empty()) invalid("VERIFY without data: use verificationStatus()");
  return make(cla, kInsVerify, 0x00, reference, verificationData, std::nullopt);
}

CommandApdu verificationStatus(std::uint8_t reference, std::uint8_t cla) {
  return make(cla, kInsVerify, 0x00, reference, {}, std::nullopt);
}

CommandApdu manageSecurityEnvironmentSet(SecurityUse use, ControlTemplate crt,
                                         std::initializer_list<ControlReference> references,
                                         std::uint8_t cla) {
  Bytes data;
  data.reserve(3 * references.size());
  for (const ControlReference& reference : references) {
    data.insert(data.end(), {reference.tag, 0x01, reference.value});
  }
  return make(cla, kInsManageSecurityEnvironment, static_cast<std::uint8_t>(use),
              static_cast<std::uint8_t>(crt), data, std::nullopt);
}

CommandApdu internalAuthenticate(ByteView challenge, std::size_t ne, std::uint8_t cla) {
  if (challenge.empty()) invalid("INTERNAL AUTHENTICATE without data");
  return make(cla, kInsInternalAuthenticate, 0x00, 0x00, challenge, ne);
}

CommandApdu getChallenge(std::size_t ne, std::uint8_t cla) {
  return make(cla, kInsGetChallenge, 0x00, 0x00, {}, ne);
}

CommandApdu psoComputeDigitalSignature(ByteView input, std::size_t ne, std::uint8_t cla) {
  if (input.empty()) invalid("PSO COMPUTE DIGITAL SIGNATURE without data");
  return make(cla, kInsPerformSecurityOperation, kPsoDigitalSignature, kPsoDataToBeSigned, input,
              ne);
}

CommandApdu getData(std::uint16_t tag, std::size_t ne, std::uint8_t cla) {
  return make(cla, kInsGetData, high(tag), low(tag), {}, ne);
}

CommandApdu getDataFromFile(std::uint16_t fileId, ByteView references, std::size_t ne,
                            std::uint8_t cla) {
  if (references.empty()) invalid("GET DATA (odd INS) without data");
  return make(cla, kInsGetDataOdd, high(fileId), low(fileId), references, ne);
}

}  // namespace hcbridge::apdu
