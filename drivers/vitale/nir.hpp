// The French NIR ("numéro de sécurité sociale", 13 characters + 2-digit key)
// as found on the Carte Vitale: format and key check. A NIR read from a card
// is card data for reimbursement, never a qualified INS.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace hcbridge::drivers::nir {

enum class Check {
  Valid,
  InvalidKey,     // well-formed, but the key does not match
  InvalidFormat,  // 15 characters, but not digits (or 2A/2B at positions 6-7)
  InvalidLength,  // not 15 characters after removing spaces and dots
};

// Upper-cases and drops spaces and dots ("2 79 03 51 215 189 89" ->
// "279035121518989"). Does not check anything else.
std::string normalize(std::string_view text);

// The key of the first 13 characters (2A -> 19, 2B -> 18 at positions 6-7;
// key = 97 - number mod 97, 1..97), or nullopt when `first13` is not 13 digits
// with an optional 2A/2B département. Input is taken as is (not normalised).
std::optional<int> computeKey(std::string_view first13);

// Normalises `text`, then checks length, format and key.
Check check(std::string_view text);
inline bool isValid(std::string_view text) {
  return check(text) == Check::Valid;
}

}  // namespace hcbridge::drivers::nir
