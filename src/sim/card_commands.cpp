// Command dispatch of the simulated card: class byte checks, instruction
// table, and the small commands (GET DATA, GET RESPONSE).
#include <openssl/crypto.h>

#include <algorithm>

#include "card_state.hpp"
#include "hcbridge/error.hpp"

namespace hcbridge::sim::detail {
namespace {

enum Ins : std::uint8_t {
  kVerify = 0x20,
  kManageSecurityEnvironment = 0x22,
  kChangeReferenceData = 0x24,
  kPerformSecurityOperation = 0x2A,
  kResetRetryCounter = 0x2C,
  kGetChallenge = 0x84,
  kInternalAuthenticate = 0x88,
  kSelect = 0xA4,
  kReadBinary = 0xB0,
  kReadRecord = 0xB2,
  kGetResponse = 0xC0,
  kGetData = 0xCA,
  kGetDataOdd = 0xCB,
  kUpdateBinary = 0xD6,
  kUpdateRecord = 0xDC,
};

bool knownIns(std::uint8_t ins) {
  switch (ins) {
    case kVerify:
    case kManageSecurityEnvironment:
    case kChangeReferenceData:
    case kPerformSecurityOperation:
    case kResetRetryCounter:
    case kGetChallenge:
    case kInternalAuthenticate:
    case kSelect:
    case kReadBinary:
    case kReadRecord:
    case kGetResponse:
    case kGetData:
    case kGetDataOdd:
    case kUpdateBinary:
    case kUpdateRecord:
      return true;
    default:
      return false;
  }
}

// 0 when the class byte is acceptable, else the status word to answer.
// Proprietary class 80 is accepted for GET PIN STATUS (80 20) only.
std::uint16_t checkCla(std::uint8_t cla, std::uint8_t ins) {
  if (cla == 0x80 && ins == kVerify) return 0;
  if (cla == 0xFF || (cla & 0x80) != 0) return sw::kClaNotSupported;  // proprietary
  if ((cla & 0x40) != 0) return sw::kChannelNotSupported;  // further interindustry: channels 4+
  if ((cla & 0x20) != 0) return sw::kClaNotSupported;      // RFU
  if ((cla & 0x10) != 0) return sw::kChainingNotSupported;
  if ((cla & 0x0C) != 0) return sw::kSmNotSupported;
  return 0;  // bits 0x03: logical channels 1-3, served as the basic channel
}

Result getData(const CardState& state, const apdu::CommandApdu& command) {
  if (!command.data.empty() || !command.ne) return status(sw::kWrongLength);
  const auto tag = static_cast<std::uint16_t>((command.p1 << 8) | command.p2);
  const auto found = state.profile.dataObjects.find(tag);
  if (found == state.profile.dataObjects.end()) return status(sw::kReferenceNotFound);
  return Result{found->second, sw::kOk, true};
}

Result getResponse(CardState& state, const apdu::CommandApdu& command) {
  if (command.p1 != 0 || command.p2 != 0) return status(sw::kWrongP1P2);
  if (!command.data.empty() || !command.ne) return status(sw::kWrongLength);
  if (!state.hasPending) return status(sw::kConditionsNotSatisfied);
  const std::size_t available = state.pendingData.size();
  const std::size_t ne = *command.ne;
  if (ne < available && available <= apdu::kShortMaxNe) {
    // Keep the data: the terminal asks again with the right Le.
    return status(static_cast<std::uint16_t>(0x6C00 | (available & 0xFF)));
  }
  const std::size_t count = std::min(ne, available);
  Result result;
  result.data.assign(state.pendingData.begin(),
                     state.pendingData.begin() + static_cast<std::ptrdiff_t>(count));
  state.pendingData.erase(state.pendingData.begin(),
                          state.pendingData.begin() + static_cast<std::ptrdiff_t>(count));
  if (state.pendingData.empty()) {
    result.sw = state.pendingSw;
    state.hasPending = false;
  } else {
    result.sw = static_cast<std::uint16_t>(
        0x6100 | (std::min<std::size_t>(state.pendingData.size(), apdu::kShortMaxNe) & 0xFF));
  }
  return result;
}

// Keeps data for GET RESPONSE and answers 61xx.
Result keepForGetResponse(CardState& state, Bytes data, std::uint16_t finalSw) {
  state.hasPending = true;
  state.pendingSw = finalSw;
  state.pendingData = std::move(data);
  const std::size_t announce = std::min(state.pendingData.size(), apdu::kShortMaxNe);
  return status(static_cast<std::uint16_t>(0x6100 | (announce & 0xFF)));
}

// The transport rules on top of a handler's answer: in T=0 every answer with
// data comes through GET RESPONSE; an exact-length answer longer than Ne gives
// 6Cxx (or, beyond 256 bytes, Ne bytes and 61xx for the rest).
Result finish(CardState& state, const apdu::CommandApdu& command, Result result) {
  if (result.data.empty()) return result;
  if (state.profile.protocol == Protocol::T0) {
    return keepForGetResponse(state, std::move(result.data), result.sw);
  }
  if (result.exactLength && command.ne && *command.ne < result.data.size()) {
    if (result.data.size() <= apdu::kShortMaxNe) {
      return status(static_cast<std::uint16_t>(0x6C00 | (result.data.size() & 0xFF)));
    }
    const auto split = result.data.begin() + static_cast<std::ptrdiff_t>(*command.ne);
    Bytes first(result.data.begin(), split);
    Bytes rest(split, result.data.end());
    Result partial = keepForGetResponse(state, std::move(rest), result.sw);
    partial.data = std::move(first);
    return partial;
  }
  return result;
}

Result handle(CardState& state, const apdu::CommandApdu& command) {
  switch (command.ins) {
    case kSelect:
      return selectFile(state, command);
    case kReadBinary:
      return readBinary(state, command);
    case kUpdateBinary:
      return updateBinary(state, command);
    case kReadRecord:
      return readRecord(state, command);
    case kUpdateRecord:
      return updateRecord(state, command);
    case kGetData:
      return getData(state, command);
    case kGetDataOdd:
      return getSecurityDataObject(state, command);
    case kVerify:
      if (command.cla == 0x80) return getPinStatus(state, command);
      return verify(state, command);
    case kChangeReferenceData:
      return changeReferenceData(state, command);
    case kResetRetryCounter:
      return resetRetryCounter(state, command);
    case kGetChallenge:
      return getChallenge(command);
    case kManageSecurityEnvironment:
      return manageSecurityEnvironment(state, command);
    case kPerformSecurityOperation:
      if (command.p1 != 0x9E || command.p2 != 0x9A) return status(sw::kWrongP1P2);
      return computeSignature(state, command);
    case kInternalAuthenticate:
      if (command.p1 != 0x00 || command.p2 != 0x00) return status(sw::kWrongP1P2);
      return computeSignature(state, command);
    default:
      return status(sw::kInsNotSupported);
  }
}

bool carriesSecret(std::uint8_t ins) {
  return ins == kVerify || ins == kChangeReferenceData || ins == kResetRetryCounter;
}

}  // namespace

Bytes encodeResponse(const Result& result) {
  Bytes out;
  out.reserve(result.data.size() + 2);
  out.assign(result.data.begin(), result.data.end());
  out.push_back(static_cast<std::uint8_t>(result.sw >> 8));
  out.push_back(static_cast<std::uint8_t>(result.sw & 0xFF));
  return out;
}

Result dispatch(CardState& state, ByteView raw) {
  if (raw.size() < 4) return status(sw::kWrongLength);
  if (const std::uint16_t claError = checkCla(raw[0], raw[1]); claError != 0) {
    return status(claError);
  }

  apdu::CommandApdu command;
  try {
    command = apdu::CommandApdu::parse(raw);
  } catch (const Error&) {
    return status(sw::kWrongLength);
  }
  if (!knownIns(command.ins)) return status(sw::kInsNotSupported);

  if (command.ins == kGetResponse) return getResponse(state, command);
  // Any other command discards data left for GET RESPONSE.
  state.hasPending = false;
  state.pendingData.clear();

  Result result = handle(state, command);
  // The command's copy of PINs and PUKs is wiped before its memory is freed.
  if (carriesSecret(command.ins)) OPENSSL_cleanse(command.data.data(), command.data.size());
  return finish(state, command, std::move(result));
}

}  // namespace hcbridge::sim::detail
