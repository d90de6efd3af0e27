// The cryptography of hcbridge's authentication tokens: JWS algorithm names,
// hashes, signature verification with a certificate's key, and base64.
// OpenSSL stays in the .cpp files.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "hcbridge/bytes.hpp"
#include "hcbridge/signature_scheme.hpp"

namespace hcbridge::auth {

// The JWA (RFC 7518) names hcbridge knows. hcbridge signs PS256 only through
// a PKCS#11 token configured for it (practitioner_pkcs11.rsa_signature).
enum class JwsAlgorithm { RS256, PS256, ES256 };

std::string_view jwsName(JwsAlgorithm algorithm);
std::optional<JwsAlgorithm> parseJwsAlgorithm(std::string_view name);

// RSA key (2048 bits or more) -> RS256; EC key on a 256-bit curve (P-256 or
// brainpoolP256r1, the German cards) -> ES256. Throws Error(CertificateInvalid)
// for an unparsable certificate or another key type/size.
JwsAlgorithm algorithmForCertificate(ByteView certificateDer);

// RS256 -> RsaPkcs1Sha256, ES256 -> EcdsaSha256, PS256 -> RsaPssSha256
// (the native drivers refuse it: operation-unsupported).
SignatureScheme cardSchemeFor(JwsAlgorithm algorithm);

Bytes sha256(ByteView data);
Bytes sha256(std::string_view text);
// RAND_bytes; throws Error(Internal) on failure.
Bytes randomBytes(std::size_t count);

// Signature over a SHA-256 digest; ECDSA signatures in raw r||s (JWS / Web
// eID) form, 2*32 bytes. False -- never an exception -- for a malformed or
// wrong signature, or an algorithm that does not fit the key; throws
// Error(CertificateInvalid) only for an unparsable certificate / key.
bool verifyDigest(ByteView certificateDer, JwsAlgorithm algorithm, ByteView sha256Digest,
                  ByteView signature);
bool verifyDigestWithPublicKey(ByteView subjectPublicKeyInfoDer, JwsAlgorithm algorithm,
                               ByteView sha256Digest, ByteView signature);

// The certificate's SubjectPublicKeyInfo DER. Throws Error(CertificateInvalid).
Bytes publicKeyOf(ByteView certificateDer);

std::string base64(ByteView data);     // RFC 4648 standard alphabet, padded
std::string base64Url(ByteView data);  // RFC 4648 §5, no padding
// Strict: nullopt on any character outside the alphabet, on missing or
// misplaced padding, and on non-zero unused bits (only one encoding per value).
std::optional<Bytes> fromBase64(std::string_view text);
std::optional<Bytes> fromBase64Url(std::string_view text);  // no padding allowed

}  // namespace hcbridge::auth
