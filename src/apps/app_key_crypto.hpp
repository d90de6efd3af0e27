// Making application keys and hashing them.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace hcbridge::apps {

inline constexpr std::string_view kKeyPrefix = "hcb_";

using KeyHash = std::array<std::uint8_t, 32>;

// "hcb_" + base64url (no padding) of 32 bytes from RAND_bytes.
std::string newAppKey();

// Plain SHA-256 is the right hash here: a key carries 256 random bits, so
// there is nothing for a slow, salted password hash to protect against.
KeyHash hashAppKey(std::string_view key);

std::string toLowerHex(const KeyHash& hash);
// False when `hex` is not 64 hex digits.
bool fromHex(std::string_view hex, KeyHash& hash);

}  // namespace hcbridge::apps
