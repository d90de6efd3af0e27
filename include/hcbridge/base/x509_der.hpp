// X.509 certificates from DER bytes (untrusted input: card files, tokens,
// trust files). Failures return an empty handle, never throw: each caller
// words its own error (its Errc, its file name).
#pragma once

#include <cstddef>

#include "hcbridge/base/openssl_handle.hpp"
#include "hcbridge/bytes.hpp"

namespace hcbridge::base {

// The whole buffer must be exactly one certificate: a short read or trailing
// bytes make it invalid, so a certificate has a single encoding. Empty when
// it does not parse; OpenSSL's error queue is left clear.
X509Handle parseX509Der(ByteView der);

// The certificate at the start of `der` and the length of its encoding;
// bytes after it are allowed (a caller that words "bytes after the
// certificate" itself, or reads a file that may be padded). `certificate` is
// empty when none parses (error queue cleared).
struct X509DerPrefix {
  X509Handle certificate;
  std::size_t length = 0;
};
X509DerPrefix parseX509DerPrefix(ByteView der);

}  // namespace hcbridge::base
