// SHA-256 as 64 lower-case hex digits: the link between two audit lines.
#pragma once

#include <string>
#include <string_view>

namespace hcbridge::audit {

inline constexpr std::string_view kNoPreviousLine =
    "0000000000000000000000000000000000000000000000000000000000000000";

std::string sha256Hex(std::string_view bytes);

}  // namespace hcbridge::audit
