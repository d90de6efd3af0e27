#include "card_status.hpp"

#include "hcbridge/apdu.hpp"
#include "hcbridge/error.hpp"
#include "hcbridge/iso_commands.hpp"

namespace hcbridge::drivers {
namespace {

constexpr std::string_view kPukHint = "Unblock the card with its PUK (card issuer's procedure).";

}  // namespace

void throwCardDataInvalid(std::string_view what, std::string_view detail, std::string_view hint) {
  throw Error(Errc::CardDataInvalid, std::string(what) + ": " + std::string(detail),
              std::string(hint));
}

void throwUnexpectedStatus(std::string_view what, std::uint16_t sw, std::string_view hint,
                           std::string_view who) {
  throwCardDataInvalid(what, std::string(who) + " answered " + apdu::statusWordText(sw), hint);
}

void checkVerifyStatus(std::uint16_t sw) {
  if (sw == apdu::sw::kSuccess) return;
  if (apdu::sw::isRetryCounter(sw)) {
    const int left = apdu::sw::retriesOf(sw);
    if (left == 0)
      throw PinError(Errc::PinBlocked, 0, "The PIN is now blocked", std::string(kPukHint));
    throw PinError(
        Errc::PinIncorrect, left,
        "Wrong PIN: " + std::to_string(left) + (left == 1 ? " try" : " tries") + " left",
        left == 1 ? "One try is left: a further wrong PIN blocks the card." : std::string());
  }
  if (sw == apdu::sw::kAuthenticationBlocked) {
    throw PinError(Errc::PinBlocked, 0, "The PIN is blocked", std::string(kPukHint));
  }
  throwUnexpectedStatus("VERIFY", sw);
}

bool readRetryCounter(std::uint16_t sw, PinStatus& status) {
  if (sw == apdu::sw::kSuccess) {
    status.verified = true;
    status.triesLeft = status.maxTries;  // a right PIN restores the counter
  } else if (apdu::sw::isRetryCounter(sw)) {
    status.triesLeft = apdu::sw::retriesOf(sw);
    status.blocked = status.triesLeft == 0;
  } else if (sw == apdu::sw::kAuthenticationBlocked) {
    status.blocked = true;
  } else {
    return false;
  }
  return true;
}

void throwIfPinRequired(std::uint16_t sw, std::string_view message, std::string_view hint) {
  if (sw == apdu::sw::kSecurityNotSatisfied) {
    throw Error(Errc::PinRequired, std::string(message), std::string(hint));
  }
}

bool isKeyUnavailable(std::uint16_t sw) {
  return sw == apdu::sw::kReferenceNotFound || sw == apdu::sw::kFunctionNotSupported ||
         sw == apdu::sw::kWrongData;
}

}  // namespace hcbridge::drivers
