// DER parsing of certificates and keys from untrusted bytes, and the ECDSA
// signature conversions between JWS (r||s) and X9.62 (DER) form.
#pragma once

#include <optional>

#include "hcbridge/base/openssl_handle.hpp"
#include "hcbridge/bytes.hpp"

namespace hcbridge::auth::detail {

// As base::parseX509Der (the whole buffer, one certificate), but throws
// Error(CertificateInvalid).
base::X509Handle requireCertificate(ByteView der);
base::EvpPkeyHandle parsePublicKey(ByteView subjectPublicKeyInfoDer);

// r||s of `half` bytes each -> DER ECDSA-Sig-Value; nullopt when malformed.
std::optional<Bytes> rawEcdsaToDer(ByteView raw, std::size_t half);
// DER ECDSA-Sig-Value -> r||s with each half left-padded to `half` bytes.
std::optional<Bytes> derEcdsaToRaw(ByteView der, std::size_t half);

}  // namespace hcbridge::auth::detail
