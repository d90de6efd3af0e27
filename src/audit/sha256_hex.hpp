// SHA-256 as 64 lower-case hex digits: the link between two unkeyed audit
// lines (the format before the audit key).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace hcbridge::audit {

inline constexpr std::string_view kNoPreviousLine =
    "0000000000000000000000000000000000000000000000000000000000000000";

std::string sha256Hex(std::string_view bytes);

// Lower-case hex, as the audit lines write digests.
std::string lowerHex(const unsigned char* bytes, std::size_t length);

}  // namespace hcbridge::audit
