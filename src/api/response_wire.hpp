// A Response as the bytes sent on the connection: status line, header
// fields and body in one string, written with one call. Beast's generic
// serializer walked a chain of buffer views for each answer and was a
// sixth of the service's CPU per request (docs/performance.md).
#pragma once

#include <string>

#include "hcbridge/api/http_types.hpp"

namespace hcbridge::api::detail {

// `httpVersion` is 10 or 11 (as Beast numbers them). Content-Length and
// Connection are the serializer's: a Response's own fields of those names
// are dropped, and so is any field whose name or value could end the field
// early (CR, LF, NUL) or whose name is not an HTTP token.
//
// Replaces `wire`'s content and keeps its capacity: a connection reuses one
// buffer, where a new allocation of an answer's size for every answer made
// glibc consolidate its free lists each time (docs/performance.md).
void responseWire(const Response& response, unsigned httpVersion, bool keepAlive,
                  std::string& wire);

}  // namespace hcbridge::api::detail
