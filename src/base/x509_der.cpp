#include "hcbridge/base/x509_der.hpp"

#include <openssl/err.h>

#include <climits>

namespace hcbridge::base {

X509DerPrefix parseX509DerPrefix(ByteView der) {
  // d2i_X509 takes a long length; anything longer cannot be DER we accept.
  if (der.empty() || der.size() > static_cast<std::size_t>(LONG_MAX)) return {};
  const unsigned char* cursor = der.data();
  X509Handle certificate(d2i_X509(nullptr, &cursor, static_cast<long>(der.size())));
  if (!certificate) {
    ERR_clear_error();
    return {};
  }
  return {std::move(certificate), static_cast<std::size_t>(cursor - der.data())};
}

X509Handle parseX509Der(ByteView der) {
  X509DerPrefix prefix = parseX509DerPrefix(der);
  if (prefix.length != der.size()) return nullptr;
  return std::move(prefix.certificate);
}

}  // namespace hcbridge::base
