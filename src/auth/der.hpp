// DER parsing of certificates and keys from untrusted bytes, and the ECDSA
// signature conversions between JWS (r||s) and X9.62 (DER) form.
#pragma once

#include <optional>

#include "hcbridge/bytes.hpp"
#include "openssl_ptr.hpp"

namespace hcbridge::auth::detail {

// The whole buffer must be one certificate: trailing bytes make it invalid, so
// a certificate has a single encoding. Null when it does not parse.
ossl::X509Ptr parseCertificate(ByteView der);
// As parseCertificate, but throws Error(CertificateInvalid).
ossl::X509Ptr requireCertificate(ByteView der);
ossl::PkeyPtr parsePublicKey(ByteView subjectPublicKeyInfoDer);

// r||s of `half` bytes each -> DER ECDSA-Sig-Value; nullopt when malformed.
std::optional<Bytes> rawEcdsaToDer(ByteView raw, std::size_t half);
// DER ECDSA-Sig-Value -> r||s with each half left-padded to `half` bytes.
std::optional<Bytes> derEcdsaToRaw(ByteView der, std::size_t half);

}  // namespace hcbridge::auth::detail
