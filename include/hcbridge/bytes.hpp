// Byte buffers and hex conversion shared by every layer.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hcbridge {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

// Upper-case hex, optionally with a separator between bytes ("3B 8F ...").
std::string toHex(ByteView bytes, std::string_view separator = "");

// Accepts upper/lower case hex with optional spaces, colons or dashes between
// digit pairs. Throws Error(Errc::BadRequest) on anything else.
Bytes fromHex(std::string_view text);

}  // namespace hcbridge
