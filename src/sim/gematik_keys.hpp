// gematik card images, part 3 of 4: private keys. The key parts an image
// holds (RSA n e d p q dP dQ c, or an EC scalar and point) turned into a
// key, and that key into the PEM of a simulator KeySpec.
#pragma once

#include <openssl/evp.h>

#include <array>
#include <optional>
#include <string>

#include "hcbridge/base/openssl_handle.hpp"
#include "hcbridge/bytes.hpp"

namespace hcbridge::sim::gematik {

// n e d p q dP dQ c (c = q^-1 mod p) -> RSA key; empty when a part is
// missing or the parts make no key.
base::EvpPkeyHandle rsaKey(const std::array<Bytes, 8>& parts);
// Private scalar (+ public point 04||X||Y, computed when absent) of the curve
// named by its OID text -> EC key; empty when they make no key.
base::EvpPkeyHandle ecKey(const std::string& curve, const Bytes& scalar,
                          std::optional<Bytes> point);
// Unencrypted PKCS#8 PEM; empty when it cannot be encoded.
std::string toPem(EVP_PKEY* key);

}  // namespace hcbridge::sim::gematik
