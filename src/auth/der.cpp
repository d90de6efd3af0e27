#include "der.hpp"

#include <openssl/err.h>

#include <climits>

#include "hcbridge/base/x509_der.hpp"
#include "hcbridge/error.hpp"

namespace hcbridge::auth::detail {
namespace {

// d2i_* take a long length; anything longer than that cannot be DER we accept.
bool fitsLong(ByteView der) {
  return der.size() <= static_cast<std::size_t>(LONG_MAX);
}

}  // namespace

base::X509Handle requireCertificate(ByteView der) {
  auto certificate = base::parseX509Der(der);
  if (!certificate) {
    throw Error(Errc::CertificateInvalid,
                "The certificate is not a DER-encoded X.509 certificate (" +
                    std::to_string(der.size()) + " bytes)",
                "Pass the card's authentication certificate as DER (base64 in tokens).");
  }
  return certificate;
}

base::EvpPkeyHandle parsePublicKey(ByteView der) {
  if (der.empty() || !fitsLong(der)) return nullptr;
  const unsigned char* cursor = der.data();
  base::EvpPkeyHandle key(d2i_PUBKEY(nullptr, &cursor, static_cast<long>(der.size())));
  if (!key || cursor != der.data() + der.size()) {
    ERR_clear_error();
    return nullptr;
  }
  return key;
}

std::optional<Bytes> rawEcdsaToDer(ByteView raw, std::size_t half) {
  if (half == 0 || raw.size() != 2 * half) return std::nullopt;
  base::BignumHandle r(BN_bin2bn(raw.data(), static_cast<int>(half), nullptr));
  base::BignumHandle s(BN_bin2bn(raw.data() + half, static_cast<int>(half), nullptr));
  base::EcdsaSigHandle signature(ECDSA_SIG_new());
  if (!r || !s || !signature || ECDSA_SIG_set0(signature.get(), r.get(), s.get()) != 1) {
    ERR_clear_error();
    return std::nullopt;
  }
  // ECDSA_SIG_set0 took ownership of r and s.
  (void)r.release();
  (void)s.release();
  unsigned char* out = nullptr;
  const int length = i2d_ECDSA_SIG(signature.get(), &out);
  if (length <= 0) {
    ERR_clear_error();
    return std::nullopt;
  }
  Bytes der(out, out + length);
  OPENSSL_free(out);
  return der;
}

std::optional<Bytes> derEcdsaToRaw(ByteView der, std::size_t half) {
  if (der.empty() || !fitsLong(der)) return std::nullopt;
  const unsigned char* cursor = der.data();
  base::EcdsaSigHandle signature(d2i_ECDSA_SIG(nullptr, &cursor, static_cast<long>(der.size())));
  if (!signature || cursor != der.data() + der.size()) {
    ERR_clear_error();
    return std::nullopt;
  }
  const BIGNUM* r = ECDSA_SIG_get0_r(signature.get());
  const BIGNUM* s = ECDSA_SIG_get0_s(signature.get());
  Bytes raw(2 * half);
  if (BN_bn2binpad(r, raw.data(), static_cast<int>(half)) < 0 ||
      BN_bn2binpad(s, raw.data() + half, static_cast<int>(half)) < 0) {
    ERR_clear_error();
    return std::nullopt;  // a number longer than the curve allows
  }
  return raw;
}

}  // namespace hcbridge::auth::detail
