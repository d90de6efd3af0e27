// Checks a card's signature over a challenge digest with OpenSSL EVP alone,
// against the DER SubjectPublicKeyInfo the driver reported (the tests do not
// depend on hcbridge's own verification code).
#pragma once

#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "hcbridge/base/openssl_handle.hpp"
#include "hcbridge/bytes.hpp"

namespace hcbridge::testing {

// ECDSA: `signature` is raw r||s (converted to DER here); RSA: PKCS#1 v1.5
// over the SHA-256 digest.
inline bool signatureVerifies(const Bytes& publicKeyInfo, const Bytes& digest,
                              const Bytes& signature) {
  const unsigned char* cursor = publicKeyInfo.data();
  const base::EvpPkeyHandle key(
      d2i_PUBKEY(nullptr, &cursor, static_cast<long>(publicKeyInfo.size())));
  if (!key || cursor != publicKeyInfo.data() + publicKeyInfo.size()) return false;
  Bytes der = signature;
  if (EVP_PKEY_is_a(key.get(), "EC")) {
    if (signature.empty() || signature.size() % 2 != 0) return false;
    const int half = static_cast<int>(signature.size() / 2);
    const base::EcdsaSigHandle sig(ECDSA_SIG_new());
    ECDSA_SIG_set0(sig.get(), BN_bin2bn(signature.data(), half, nullptr),
                   BN_bin2bn(signature.data() + half, half, nullptr));
    unsigned char* out = nullptr;
    const int length = i2d_ECDSA_SIG(sig.get(), &out);
    der.assign(out, out + length);
    OPENSSL_free(out);
  }
  const base::EvpPkeyCtxHandle ctx(EVP_PKEY_CTX_new(key.get(), nullptr));
  bool ok = ctx && EVP_PKEY_verify_init(ctx.get()) == 1 &&
            EVP_PKEY_CTX_set_signature_md(ctx.get(), EVP_sha256()) == 1;
  if (ok && EVP_PKEY_is_a(key.get(), "RSA")) {
    ok = EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) == 1;
  }
  ok = ok && EVP_PKEY_verify(ctx.get(), der.data(), der.size(), digest.data(), digest.size()) == 1;
  ERR_clear_error();
  return ok;
}

}  // namespace hcbridge::testing
