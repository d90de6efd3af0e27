#include "hcbridge/api/http_types.hpp"

#include <algorithm>
#include <cctype>

namespace hcbridge::api {

bool headerNameEquals(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) ==
           std::tolower(static_cast<unsigned char>(y));
  });
}

std::optional<std::string_view> singleHeader(const std::vector<Header>& headers,
                                             std::string_view name, bool* repeated) {
  std::optional<std::string_view> found;
  for (const Header& header : headers) {
    if (!headerNameEquals(header.name, name)) continue;
    if (found) {
      if (repeated != nullptr) *repeated = true;
      return std::nullopt;
    }
    found = header.value;
  }
  return found;
}

std::size_t headerCount(const std::vector<Header>& headers, std::string_view name) {
  return static_cast<std::size_t>(
      std::count_if(headers.begin(), headers.end(),
                    [&](const Header& h) { return headerNameEquals(h.name, name); }));
}

void setHeader(std::vector<Header>& headers, std::string_view name, std::string value) {
  for (Header& header : headers) {
    if (headerNameEquals(header.name, name)) {
      header.value = std::move(value);
      return;
    }
  }
  headers.push_back({std::string(name), std::move(value)});
}

Response jsonResponse(int status, std::string body) {
  Response response;
  response.status = status;
  response.headers.push_back({"Content-Type", "application/json"});
  response.body = std::move(body);
  return response;
}

}  // namespace hcbridge::api
