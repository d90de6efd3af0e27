#include "config_location.hpp"

#include <algorithm>
#include <cctype>

namespace hcbridge::daemon {
namespace {

// The offset just after `"name"` used as an object key at or after `from`.
std::size_t findKey(std::string_view text, std::string_view name, std::size_t from) {
  const std::string quoted = "\"" + std::string(name) + "\"";
  for (std::size_t at = text.find(quoted, from); at != std::string_view::npos;
       at = text.find(quoted, at + 1)) {
    std::size_t after = at + quoted.size();
    while (after < text.size() && std::isspace(static_cast<unsigned char>(text[after]))) ++after;
    if (after < text.size() && text[after] == ':') return at;  // a key, not a string value
  }
  return std::string_view::npos;
}

}  // namespace

std::size_t configKeyLine(std::string_view text, std::string_view dottedKey) {
  std::size_t at = 0;
  while (!dottedKey.empty()) {
    const std::size_t dot = dottedKey.find('.');
    at = findKey(text, dottedKey.substr(0, dot), at);
    if (at == std::string_view::npos) return 0;
    dottedKey = dot == std::string_view::npos ? std::string_view() : dottedKey.substr(dot + 1);
  }
  return lineAtByte(text, at + 1);
}

std::size_t lineAtByte(std::string_view text, std::size_t byte) {
  const std::size_t end = std::min(text.size(), byte == 0 ? 0 : byte - 1);
  return 1 + static_cast<std::size_t>(std::count(text.begin(), text.begin() + end, '\n'));
}

std::string jsonErrorReason(std::string_view what) {
  if (what.starts_with("[json.exception.")) {
    const std::size_t end = what.find("] ");
    if (end != std::string_view::npos) what.remove_prefix(end + 2);
  }
  // "parse error at line 3, column 5: syntax error while parsing ..."
  if (what.starts_with("parse error at line ")) {
    const std::size_t colon = what.find(": ");
    if (colon != std::string_view::npos) what.remove_prefix(colon + 2);
  }
  return "not valid JSON: " + std::string(what);
}

Error configError(const std::filesystem::path& file, std::size_t line, const std::string& what) {
  const std::string where =
      "config " + file.string() + (line == 0 ? "" : " line " + std::to_string(line));
  return Error(Errc::BadRequest, where + ": " + what,
               "Fix the file (`hcbridge doctor` checks it), or start with --config pointing to "
               "another one.");
}

}  // namespace hcbridge::daemon
