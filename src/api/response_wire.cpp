#include "response_wire.hpp"

#include <boost/beast/http/status.hpp>
#include <ostream>  // before Beast's status.hpp, which needs it but does not include it
#include <string_view>

namespace hcbridge::api::detail {
namespace {

bool isTokenChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool isFieldName(std::string_view name) {
  if (name.empty()) return false;
  for (const char c : name) {
    if (!isTokenChar(c)) return false;
  }
  return true;
}

// RFC 9110 field-value: visible characters, space, tab and obs-text; no
// other control character, CR and LF above all.
bool isFieldValue(std::string_view value) {
  for (const char c : value) {
    const auto byte = static_cast<unsigned char>(c);
    if ((byte < 0x20 && byte != '\t') || byte == 0x7f) return false;
  }
  return true;
}

// RFC 9110 §6.4.1: these answers carry no content and no Content-Length.
bool hasNoContent(int status) {
  return (status >= 100 && status < 200) || status == 204 || status == 304;
}

void appendField(std::string& wire, std::string_view name, std::string_view value) {
  wire.append(name).append(": ").append(value).append("\r\n");
}

}  // namespace

void responseWire(const Response& response, unsigned httpVersion, bool keepAlive,
                  std::string& wire) {
  const bool http10 = httpVersion == 10;
  const bool bodyAllowed = !hasNoContent(response.status);
  const auto reason =
      boost::beast::http::obsolete_reason(static_cast<boost::beast::http::status>(response.status));
  wire.clear();
  wire.reserve(256 + response.body.size());
  wire.append(http10 ? "HTTP/1.0 " : "HTTP/1.1 ")
      .append(std::to_string(response.status))
      .append(" ")
      .append(reason.data(), reason.size())
      .append("\r\n");
  appendField(wire, "Server", "hcbridge");
  // Answers may hold patient data: never cached, never content-sniffed.
  appendField(wire, "Cache-Control", "no-store");
  appendField(wire, "X-Content-Type-Options", "nosniff");
  for (const Header& header : response.headers) {
    if (headerNameEquals(header.name, "Content-Length") ||
        headerNameEquals(header.name, "Connection") ||
        headerNameEquals(header.name, "Transfer-Encoding")) {
      continue;
    }
    if (!isFieldName(header.name) || !isFieldValue(header.value)) continue;
    appendField(wire, header.name, header.value);
  }
  // HTTP/1.1 keeps the connection unless told; HTTP/1.0 closes it unless told.
  if (http10 && keepAlive) appendField(wire, "Connection", "keep-alive");
  if (!http10 && !keepAlive) appendField(wire, "Connection", "close");
  if (bodyAllowed) appendField(wire, "Content-Length", std::to_string(response.body.size()));
  wire.append("\r\n");
  if (bodyAllowed) wire.append(response.body);
}

}  // namespace hcbridge::api::detail
