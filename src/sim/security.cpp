// PIN handling of the simulated card: VERIFY, CHANGE REFERENCE DATA, RESET
// RETRY COUNTER and the access rules. PIN values are never logged; copies are
// wiped before their memory is released.
#include <openssl/crypto.h>

#include <algorithm>

#include "card_state.hpp"

namespace hcbridge::sim::detail {
namespace {

bool sameSecret(ByteView expected, ByteView given) {
  return expected.size() == given.size() &&
         CRYPTO_memcmp(expected.data(), given.data(), expected.size()) == 0;
}

std::uint16_t triesWord(int triesLeft) {
  return static_cast<std::uint16_t>(0x63C0 | std::clamp(triesLeft, 0, 15));
}

void replaceSecret(Bytes& secret, ByteView value) {
  OPENSSL_cleanse(secret.data(), secret.size());
  secret.assign(value.begin(), value.end());
}

// A wrong PIN: one try less, the PIN is no longer verified. The try that
// blocks the PIN answers 63C0; later attempts answer 6983.
Result wrongPin(CardState& state, PinSpec& pin) {
  pin.triesLeft = std::max(0, pin.triesLeft - 1);
  state.verifiedPins.erase(pin.ref);
  return status(triesWord(pin.triesLeft));
}

Result wrongPuk(CardState& state, PinSpec& pin) {
  pin.pukTriesLeft = std::max(0, pin.pukTriesLeft - 1);
  state.verifiedPuks.erase(pin.ref);
  return status(triesWord(pin.pukTriesLeft));
}

void pinAccepted(CardState& state, PinSpec& pin) {
  pin.triesLeft = pin.maxTries;
  state.verifiedPins.insert(pin.ref);
}

// Checks a presented PUK; nullopt when it is right.
std::optional<Result> checkPuk(CardState& state, PinSpec& pin, ByteView given) {
  if (pin.pukTriesLeft <= 0) return status(sw::kAuthBlocked);
  if (!sameSecret(*pin.puk, given)) return wrongPuk(state, pin);
  pin.pukTriesLeft = pin.pukMaxTries;
  state.verifiedPuks.insert(pin.ref);
  return std::nullopt;
}

constexpr std::size_t kMaxPinLength = 64;

}  // namespace

bool accessAllowed(const CardState& state, const AccessRule& rule) {
  switch (rule.kind) {
    case AccessRule::Kind::Always:
      return true;
    case AccessRule::Kind::Never:
      return false;
    case AccessRule::Kind::Pin:
      return state.verifiedPins.count(rule.pinRef) != 0;
  }
  return false;
}

Result verify(CardState& state, const apdu::CommandApdu& command) {
  if (command.p1 == 0xFF) {  // ISO 7816-4:2013: reset the verification status
    if (!command.data.empty()) return status(sw::kWrongLength);
    if (state.findPin(command.p2) == nullptr) return status(sw::kReferenceNotFound);
    state.verifiedPins.erase(command.p2);
    return status(sw::kOk);
  }
  if (command.p1 != 0x00) return status(sw::kWrongP1P2);
  PinSpec* pin = state.findPin(command.p2);
  if (pin == nullptr) return status(sw::kReferenceNotFound);
  if (pin->triesLeft <= 0) return status(sw::kAuthBlocked);
  if (command.data.empty()) {  // status query
    if (state.verifiedPins.count(pin->ref) != 0) return status(sw::kOk);
    return status(triesWord(pin->triesLeft));
  }
  if (!sameSecret(pin->value, command.data)) return wrongPin(state, *pin);
  pinAccepted(state, *pin);
  return status(sw::kOk);
}

Result changeReferenceData(CardState& state, const apdu::CommandApdu& command) {
  if (command.p1 != 0x00 && command.p1 != 0x01) return status(sw::kWrongP1P2);
  PinSpec* pin = state.findPin(command.p2);
  if (pin == nullptr) return status(sw::kReferenceNotFound);
  if (pin->triesLeft <= 0) return status(sw::kAuthBlocked);
  const ByteView data(command.data);
  ByteView newValue;
  if (command.p1 == 0x00) {  // old || new
    const std::size_t oldLength = pin->value.size();
    if (data.size() <= oldLength) return status(sw::kWrongLength);
    if (!sameSecret(pin->value, data.first(oldLength))) return wrongPin(state, *pin);
    newValue = data.subspan(oldLength);
  } else {  // new only, after VERIFY
    if (state.verifiedPins.count(pin->ref) == 0) return status(sw::kSecurityNotSatisfied);
    newValue = data;
  }
  if (newValue.empty() || newValue.size() > kMaxPinLength) return status(sw::kWrongLength);
  replaceSecret(pin->value, newValue);
  pinAccepted(state, *pin);
  return status(sw::kOk);
}

Result resetRetryCounter(CardState& state, const apdu::CommandApdu& command) {
  if (command.p1 > 0x03) return status(sw::kWrongP1P2);
  PinSpec* pin = state.findPin(command.p2);
  if (pin == nullptr) return status(sw::kReferenceNotFound);
  if (!pin->puk) return status(sw::kConditionsNotSatisfied);
  const ByteView data(command.data);
  switch (command.p1) {
    case 0x00: {  // PUK || new PIN
      const std::size_t pukLength = pin->puk->size();
      if (data.size() <= pukLength || data.size() - pukLength > kMaxPinLength) {
        return status(sw::kWrongLength);
      }
      if (auto failure = checkPuk(state, *pin, data.first(pukLength))) return *failure;
      replaceSecret(pin->value, data.subspan(pukLength));
      break;
    }
    case 0x01:  // PUK only: unblock
      if (data.empty()) return status(sw::kWrongLength);
      if (auto failure = checkPuk(state, *pin, data)) return *failure;
      break;
    case 0x02:  // new PIN only, PUK presented before in this session
      if (data.empty() || data.size() > kMaxPinLength) return status(sw::kWrongLength);
      if (state.verifiedPuks.count(pin->ref) == 0) return status(sw::kSecurityNotSatisfied);
      replaceSecret(pin->value, data);
      break;
    default:  // 03: no data, PUK presented before in this session
      if (!data.empty()) return status(sw::kWrongLength);
      if (state.verifiedPuks.count(pin->ref) == 0) return status(sw::kSecurityNotSatisfied);
      break;
  }
  pin->triesLeft = pin->maxTries;
  return status(sw::kOk);
}

}  // namespace hcbridge::sim::detail
