#include "hcbridge/auth/crypto.hpp"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include <climits>

#include "der.hpp"
#include "hcbridge/error.hpp"

namespace hcbridge::auth {
namespace {

constexpr std::size_t kSha256Size = 32;
constexpr std::size_t kEs256Half = 32;  // bytes of r and of s on a 256-bit curve
constexpr int kMinRsaBits = 2048;

enum class KeyKind { Rsa, Ec256, Other };

bool isSupportedCurve(const EVP_PKEY* key) {
  char name[64] = {};
  std::size_t length = 0;
  if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, name, sizeof name, &length) !=
      1) {
    ERR_clear_error();
    return false;  // explicit curve parameters: refused, like every JOSE library does
  }
  const std::string_view group(name, length);
  return group == "prime256v1" || group == "P-256" || group == "brainpoolP256r1";
}

KeyKind kindOf(const EVP_PKEY* key) {
  if (EVP_PKEY_is_a(key, "RSA")) {
    return EVP_PKEY_get_bits(key) >= kMinRsaBits ? KeyKind::Rsa : KeyKind::Other;
  }
  if (EVP_PKEY_is_a(key, "EC") && isSupportedCurve(key)) return KeyKind::Ec256;
  return KeyKind::Other;
}

bool fitsKey(KeyKind kind, JwsAlgorithm algorithm) {
  switch (algorithm) {
    case JwsAlgorithm::RS256:
    case JwsAlgorithm::PS256:
      return kind == KeyKind::Rsa;
    case JwsAlgorithm::ES256:
      return kind == KeyKind::Ec256;
  }
  return false;
}

bool verifyWithKey(EVP_PKEY* key, JwsAlgorithm algorithm, ByteView digest, ByteView signature) {
  if (digest.size() != kSha256Size || !fitsKey(kindOf(key), algorithm)) return false;
  Bytes der;
  ByteView checked = signature;
  if (algorithm == JwsAlgorithm::ES256) {
    auto converted = detail::rawEcdsaToDer(signature, kEs256Half);
    if (!converted) return false;
    der = std::move(*converted);
    checked = der;
  }
  base::EvpPkeyCtxHandle context(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
  bool ok = context && EVP_PKEY_verify_init(context.get()) == 1 &&
            EVP_PKEY_CTX_set_signature_md(context.get(), EVP_sha256()) == 1;
  if (ok && algorithm == JwsAlgorithm::RS256) {
    ok = EVP_PKEY_CTX_set_rsa_padding(context.get(), RSA_PKCS1_PADDING) == 1;
  } else if (ok && algorithm == JwsAlgorithm::PS256) {
    // RFC 7518 §3.5: MGF1 with SHA-256 and a salt as long as the hash.
    ok = EVP_PKEY_CTX_set_rsa_padding(context.get(), RSA_PKCS1_PSS_PADDING) == 1 &&
         EVP_PKEY_CTX_set_rsa_mgf1_md(context.get(), EVP_sha256()) == 1 &&
         EVP_PKEY_CTX_set_rsa_pss_saltlen(context.get(), RSA_PSS_SALTLEN_DIGEST) == 1;
  }
  ok = ok && EVP_PKEY_verify(context.get(), checked.data(), checked.size(), digest.data(),
                             digest.size()) == 1;
  ERR_clear_error();  // a failed verification leaves errors that are not ours to report
  return ok;
}

}  // namespace

std::string_view jwsName(JwsAlgorithm algorithm) {
  switch (algorithm) {
    case JwsAlgorithm::RS256:
      return "RS256";
    case JwsAlgorithm::PS256:
      return "PS256";
    case JwsAlgorithm::ES256:
      return "ES256";
  }
  return "RS256";
}

std::optional<JwsAlgorithm> parseJwsAlgorithm(std::string_view name) {
  for (const auto algorithm : {JwsAlgorithm::RS256, JwsAlgorithm::PS256, JwsAlgorithm::ES256}) {
    if (jwsName(algorithm) == name) return algorithm;
  }
  return std::nullopt;
}

JwsAlgorithm algorithmForCertificate(ByteView certificateDer) {
  const auto certificate = detail::requireCertificate(certificateDer);
  EVP_PKEY* key = X509_get0_pubkey(certificate.get());
  switch (key != nullptr ? kindOf(key) : KeyKind::Other) {
    case KeyKind::Rsa:
      return JwsAlgorithm::RS256;
    case KeyKind::Ec256:
      return JwsAlgorithm::ES256;
    case KeyKind::Other:
      break;
  }
  ERR_clear_error();
  throw Error(Errc::CertificateInvalid,
              "The certificate's key is neither RSA of 2048 bits or more nor EC on P-256 or "
              "brainpoolP256r1",
              "hcbridge signs with RS256 or ES256 only: use the card's authentication "
              "certificate.");
}

SignatureScheme cardSchemeFor(JwsAlgorithm algorithm) {
  switch (algorithm) {
    case JwsAlgorithm::RS256:
      return SignatureScheme::RsaPkcs1Sha256;
    case JwsAlgorithm::ES256:
      return SignatureScheme::EcdsaSha256;
    case JwsAlgorithm::PS256:
      return SignatureScheme::RsaPssSha256;
  }
  throw Error(Errc::Internal, "unknown JWS algorithm");
}

Bytes sha256(ByteView data) {
  Bytes digest(kSha256Size);
  std::size_t length = 0;
  if (EVP_Q_digest(nullptr, "SHA256", nullptr, data.data(), data.size(), digest.data(), &length) !=
          1 ||
      length != kSha256Size) {
    ERR_clear_error();
    throw Error(Errc::Internal, "SHA-256 failed (OpenSSL)");
  }
  return digest;
}

Bytes sha256(std::string_view text) {
  return sha256(ByteView(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

Bytes randomBytes(std::size_t count) {
  Bytes bytes(count);
  if (count > static_cast<std::size_t>(INT_MAX) ||
      (count > 0 && RAND_bytes(bytes.data(), static_cast<int>(count)) != 1)) {
    ERR_clear_error();
    throw Error(Errc::Internal, "No randomness available (OpenSSL RAND_bytes failed)",
                "Check that the system's random source (getrandom, /dev/urandom) works.");
  }
  return bytes;
}

bool verifyDigest(ByteView certificateDer, JwsAlgorithm algorithm, ByteView sha256Digest,
                  ByteView signature) {
  const auto certificate = detail::requireCertificate(certificateDer);
  EVP_PKEY* key = X509_get0_pubkey(certificate.get());
  if (key == nullptr) {
    ERR_clear_error();
    return false;  // a key OpenSSL cannot load verifies nothing
  }
  return verifyWithKey(key, algorithm, sha256Digest, signature);
}

bool verifyDigestWithPublicKey(ByteView subjectPublicKeyInfoDer, JwsAlgorithm algorithm,
                               ByteView sha256Digest, ByteView signature) {
  const auto key = detail::parsePublicKey(subjectPublicKeyInfoDer);
  if (!key) {
    throw Error(Errc::CertificateInvalid, "The public key is not a DER SubjectPublicKeyInfo",
                "Pass the key as publicKeyOf() returns it.");
  }
  return verifyWithKey(key.get(), algorithm, sha256Digest, signature);
}

Bytes publicKeyOf(ByteView certificateDer) {
  const auto certificate = detail::requireCertificate(certificateDer);
  const EVP_PKEY* key = X509_get0_pubkey(certificate.get());
  unsigned char* out = nullptr;
  const int length = key != nullptr ? i2d_PUBKEY(key, &out) : -1;
  if (length <= 0) {
    ERR_clear_error();
    throw Error(Errc::CertificateInvalid, "The certificate's public key cannot be read",
                "Use the card's authentication certificate.");
  }
  Bytes der(out, out + length);
  OPENSSL_free(out);
  return der;
}

}  // namespace hcbridge::auth
