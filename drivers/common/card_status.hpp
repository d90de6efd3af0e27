// Status word -> hcbridge::Error: the one place drivers turn a card's
// answer into an error, so every card type says the same thing the same way.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "hcbridge/card_model.hpp"

namespace hcbridge::drivers {

// The hint of CardDataInvalid errors of no particular card type.
inline constexpr std::string_view kCardContentHint =
    "The card's content is not what this card type should hold. If the card works elsewhere, "
    "report it with the output of 'hcbridge readers --json'.";

// Error(CardDataInvalid, "<what>: <detail>", hint).
[[noreturn]] void throwCardDataInvalid(std::string_view what, std::string_view detail,
                                       std::string_view hint = kCardContentHint);

// Error(CardDataInvalid, "<what>: <who> answered 6A82 (file or application
// not found)", hint): an answer the sequence does not expect. `who` names the
// command when `what` does not (e.g. "SELECT").
[[noreturn]] void throwUnexpectedStatus(std::string_view what, std::uint16_t sw,
                                        std::string_view hint = kCardContentHint,
                                        std::string_view who = "the card");

// Maps the answer to VERIFY: 9000 returns; 63Cx throws
// PinError(PinIncorrect, x) (PinBlocked for x = 0); 6983 PinError(PinBlocked,
// 0); others throw Error(CardDataInvalid) naming the status.
void checkVerifyStatus(std::uint16_t sw);

// Reads the retry counter from the answer to VERIFY without data into
// `status` (whose maxTries is set): 9000 verified with all tries, 63Cx x tries
// left (blocked at 0), 6983 blocked. False for any other answer, which the
// card type interprets (e.g. gematik's 62Cx PIN states) or rejects.
bool readRetryCounter(std::uint16_t sw, PinStatus& status);

// 6982 (security status not satisfied) after a private-key operation:
// throws Error(PinRequired, message, hint). Other answers return.
void throwIfPinRequired(std::uint16_t sw, std::string_view message, std::string_view hint);

// The answers of MANAGE SECURITY ENVIRONMENT SET when the card has no such key
// or algorithm: 6A80 (incorrect data), 6A81 (function not supported), 6A88
// (referenced data not found).
bool isKeyUnavailable(std::uint16_t sw);

}  // namespace hcbridge::drivers
