// Where in the config file an error is: IT staff fix a file by its line
// number, and the service log, `hcbridge doctor` and a SIGHUP refusal all
// name the same one.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

#include "hcbridge/error.hpp"

namespace hcbridge::daemon {

// The 1-based line of the dotted key ("limits.max_body_bytes": "limits",
// then "max_body_bytes" after it) as an object key (a quoted name followed
// by ':'), or 0 when not found.
std::size_t configKeyLine(std::string_view text, std::string_view dottedKey);

// The 1-based line holding the byte at 1-based offset `byte` (nlohmann's
// parse_error::byte).
std::size_t lineAtByte(std::string_view text, std::size_t byte);

// nlohmann's parse error without its "[json.exception.parse_error.101]"
// prefix and its own "at line L, column C" (the line is given separately).
std::string jsonErrorReason(std::string_view what);

// Error(BadRequest) "config FILE line N: WHAT" (no line when `line` is 0).
Error configError(const std::filesystem::path& file, std::size_t line, const std::string& what);

}  // namespace hcbridge::daemon
