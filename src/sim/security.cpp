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
Result wrongPin(CardState& state, std::size_t entry) {
  PinSpec& secret = state.pinSecret(entry);
  secret.triesLeft = std::max(0, secret.triesLeft - 1);
  state.verifiedPins.erase(entry);
  return status(triesWord(secret.triesLeft));
}

Result wrongPuk(CardState& state, std::size_t owner) {
  PinSpec& secret = state.profile.pins[owner];
  secret.pukTriesLeft = std::max(0, secret.pukTriesLeft - 1);
  state.verifiedPuks.erase(owner);
  return status(triesWord(secret.pukTriesLeft));
}

void pinAccepted(CardState& state, std::size_t entry) {
  PinSpec& secret = state.pinSecret(entry);
  secret.triesLeft = secret.maxTries;
  state.verifiedPins.insert(entry);
}

// Checks a presented PUK; nullopt when it is right.
std::optional<Result> checkPuk(CardState& state, std::size_t entry, ByteView given) {
  const std::size_t owner = state.pinOwner[entry];
  PinSpec& secret = state.profile.pins[owner];
  if (secret.pukTriesLeft <= 0) return status(sw::kAuthBlocked);
  if (!sameSecret(*secret.puk, given)) return wrongPuk(state, owner);
  secret.pukTriesLeft = secret.pukMaxTries;
  state.verifiedPuks.insert(owner);
  return std::nullopt;
}

// An ISO 9564 format 2 block: 2N, N digits, F padding, 8 bytes.
bool wellFormedFormat2(const PinSpec& pin, ByteView block) {
  if (block.size() != 8 || (block[0] >> 4) != 2) return false;
  const int digits = block[0] & 0x0F;
  if (digits < pin.minLength || digits > pin.maxLength) return false;
  for (int i = 0; i < 14; ++i) {
    const std::uint8_t byte = block[1 + i / 2];
    const int nibble = i % 2 == 0 ? byte >> 4 : byte & 0x0F;
    if (i < digits ? nibble > 9 : nibble != 0x0F) return false;
  }
  return true;
}

// The status a PIN query answers (VERIFY without data, GET PIN STATUS).
Result pinStatus(const CardState& state, std::size_t entry, bool reportState) {
  const PinSpec& secret = state.profile.pins[state.pinOwner[entry]];
  if (reportState && secret.state == PinSpec::State::TransportPin) return status(0x62C1);
  if (reportState && secret.state == PinSpec::State::EmptyPin) return status(0x62C7);
  if (secret.triesLeft <= 0) return status(sw::kAuthBlocked);
  if (state.verifiedPins.count(entry) != 0) return status(sw::kOk);
  return status(triesWord(secret.triesLeft));
}

constexpr std::size_t kMaxPinLength = 64;

}  // namespace

bool accessAllowed(const CardState& state, const AccessRule& rule) {
  switch (rule.kind) {
    case AccessRule::Kind::Always:
      return true;
    case AccessRule::Kind::Never:
      return false;
    case AccessRule::Kind::Pin: {
      const auto entry = state.findPin(rule.pinRef);
      return entry && state.verifiedPins.count(*entry) != 0;
    }
    case AccessRule::Kind::And:
      return std::all_of(rule.operands.begin(), rule.operands.end(),
                         [&](const AccessRule& operand) { return accessAllowed(state, operand); });
    case AccessRule::Kind::Or:
      return std::any_of(rule.operands.begin(), rule.operands.end(),
                         [&](const AccessRule& operand) { return accessAllowed(state, operand); });
  }
  return false;
}

Result getPinStatus(CardState& state, const apdu::CommandApdu& command) {
  if (command.p1 != 0x00) return status(sw::kWrongP1P2);
  if (!command.data.empty() || command.ne) return status(sw::kWrongLength);
  const auto entry = state.findPin(command.p2);
  if (!entry) return status(sw::kReferenceNotFound);
  return pinStatus(state, *entry, true);
}

Result verify(CardState& state, const apdu::CommandApdu& command) {
  if (command.p1 == 0xFF) {  // ISO 7816-4:2013: reset the verification status
    if (!command.data.empty()) return status(sw::kWrongLength);
    const auto entry = state.findPin(command.p2);
    if (!entry) return status(sw::kReferenceNotFound);
    state.verifiedPins.erase(*entry);
    return status(sw::kOk);
  }
  if (command.p1 != 0x00) return status(sw::kWrongP1P2);
  const auto entry = state.findPin(command.p2);
  if (!entry) return status(sw::kReferenceNotFound);
  const PinSpec& secret = state.pinSecret(*entry);
  if (secret.triesLeft <= 0) return status(sw::kAuthBlocked);
  if (command.data.empty()) return pinStatus(state, *entry, false);  // status query
  if (secret.state != PinSpec::State::Regular) return status(sw::kConditionsNotSatisfied);
  if (secret.format2Checked && !wellFormedFormat2(secret, command.data)) {
    return status(sw::kWrongData);
  }
  if (!sameSecret(secret.value, command.data)) return wrongPin(state, *entry);
  pinAccepted(state, *entry);
  return status(sw::kOk);
}

Result changeReferenceData(CardState& state, const apdu::CommandApdu& command) {
  if (command.p1 != 0x00 && command.p1 != 0x01) return status(sw::kWrongP1P2);
  const auto entry = state.findPin(command.p2);
  if (!entry) return status(sw::kReferenceNotFound);
  PinSpec& secret = state.pinSecret(*entry);
  if (secret.triesLeft <= 0) return status(sw::kAuthBlocked);
  const ByteView data(command.data);
  ByteView newValue;
  if (command.p1 == 0x00) {  // old || new
    const std::size_t oldLength = secret.value.size();
    if (data.size() <= oldLength) return status(sw::kWrongLength);
    if (!sameSecret(secret.value, data.first(oldLength))) return wrongPin(state, *entry);
    newValue = data.subspan(oldLength);
  } else {  // new only, after VERIFY
    if (state.verifiedPins.count(*entry) == 0) return status(sw::kSecurityNotSatisfied);
    newValue = data;
  }
  if (newValue.empty() || newValue.size() > kMaxPinLength) return status(sw::kWrongLength);
  if (secret.format2Checked && !wellFormedFormat2(secret, newValue)) {
    return status(sw::kWrongData);
  }
  replaceSecret(secret.value, newValue);
  secret.state = PinSpec::State::Regular;
  pinAccepted(state, *entry);
  return status(sw::kOk);
}

Result resetRetryCounter(CardState& state, const apdu::CommandApdu& command) {
  if (command.p1 > 0x03) return status(sw::kWrongP1P2);
  const auto entry = state.findPin(command.p2);
  if (!entry) return status(sw::kReferenceNotFound);
  const std::size_t owner = state.pinOwner[*entry];
  PinSpec& secret = state.profile.pins[owner];
  if (!secret.puk) return status(sw::kConditionsNotSatisfied);
  const ByteView data(command.data);
  switch (command.p1) {
    case 0x00: {  // PUK || new PIN
      const std::size_t pukLength = secret.puk->size();
      if (data.size() <= pukLength || data.size() - pukLength > kMaxPinLength) {
        return status(sw::kWrongLength);
      }
      if (auto failure = checkPuk(state, *entry, data.first(pukLength))) return *failure;
      replaceSecret(secret.value, data.subspan(pukLength));
      break;
    }
    case 0x01:  // PUK only: unblock
      if (data.empty()) return status(sw::kWrongLength);
      if (auto failure = checkPuk(state, *entry, data)) return *failure;
      break;
    case 0x02:  // new PIN only, PUK presented before in this session
      if (data.empty() || data.size() > kMaxPinLength) return status(sw::kWrongLength);
      if (state.verifiedPuks.count(owner) == 0) return status(sw::kSecurityNotSatisfied);
      replaceSecret(secret.value, data);
      break;
    default:  // 03: no data, PUK presented before in this session
      if (!data.empty()) return status(sw::kWrongLength);
      if (state.verifiedPuks.count(owner) == 0) return status(sw::kSecurityNotSatisfied);
      break;
  }
  secret.triesLeft = secret.maxTries;
  return status(sw::kOk);
}

}  // namespace hcbridge::sim::detail
