#include "target.hpp"

#include <algorithm>

#include "hcbridge/error.hpp"

namespace hcbridge::api {
namespace {

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// application/x-www-form-urlencoded decoding: '+' is a space.
std::string decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '+') {
      out.push_back(' ');
    } else if (c == '%') {
      const int high = i + 1 < text.size() ? hexValue(text[i + 1]) : -1;
      const int low = i + 2 < text.size() ? hexValue(text[i + 2]) : -1;
      if (high < 0 || low < 0) {
        throw Error(Errc::BadRequest, "the query has a malformed %-escape",
                    "encode the parameter values with encodeURIComponent");
      }
      out.push_back(static_cast<char>(high * 16 + low));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace

std::optional<std::string> Target::param(std::string_view name) const {
  const auto it = std::find_if(query.begin(), query.end(),
                               [&](const auto& entry) { return entry.first == name; });
  if (it == query.end()) return std::nullopt;
  return it->second;
}

Target parseTarget(std::string_view target) {
  if (target.empty() || target.front() != '/') {
    throw Error(Errc::BadRequest, "the request target must be a path starting with '/'");
  }
  Target parsed;
  const std::size_t question = target.find('?');
  parsed.path = std::string(target.substr(0, question));
  if (question == std::string_view::npos) return parsed;

  std::string_view rest = target.substr(question + 1);
  while (!rest.empty()) {
    const std::size_t amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
    if (pair.empty()) continue;
    const std::size_t equals = pair.find('=');
    std::string name = decode(pair.substr(0, equals));
    std::string value =
        equals == std::string_view::npos ? std::string{} : decode(pair.substr(equals + 1));
    if (parsed.param(name)) {
      throw Error(Errc::BadRequest, "the query parameter '" + name + "' is given more than once");
    }
    parsed.query.emplace_back(std::move(name), std::move(value));
  }
  return parsed;
}

}  // namespace hcbridge::api
