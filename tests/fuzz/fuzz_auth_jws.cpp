// verifyRecordAccessAssertion on arbitrary compact JWS text, with the fixed
// test PKI verifier of auth_fuzz_setup.hpp. Only hcbridge::Error may come out,
// with a code an assertion can cause; an accepted assertion carries the
// expected audience and is refused the second time.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "auth_fuzz_setup.hpp"
#include "hcbridge/auth/verifier.hpp"
#include "hcbridge/error.hpp"

namespace {

using hcbridge::Errc;
namespace auth = hcbridge::auth;
namespace setup = hcbridge::fuzz_auth;

bool isAssertionError(Errc code) {
  switch (code) {
    case Errc::TokenInvalid:
    case Errc::TokenExpired:
    case Errc::AudienceMismatch:
    case Errc::NonceMismatch:
    case Errc::OriginMismatch:
    case Errc::PurposeInvalid:
    case Errc::CertificateInvalid:
    case Errc::CertificateUntrusted:
    case Errc::CertificateExpired:
    case Errc::CertificateRevoked:
    case Errc::CertificateKeyUsage:
      return true;
    default:
      return false;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view jws(reinterpret_cast<const char*>(data), size);
  const auth::AssertionExpectations expect{setup::kAudience, setup::kNonce, setup::kOrigin,
                                           setup::now()};
  auth::MemoryNonceStore nonces;
  try {
    const auto verified =
        auth::verifyRecordAccessAssertion(jws, expect, setup::validator(), nonces);
    if (verified.claims.at("aud") != setup::kAudience) __builtin_trap();
  } catch (const hcbridge::Error& error) {
    if (!isAssertionError(error.code())) __builtin_trap();
    return 0;
  }
  try {
    auth::verifyRecordAccessAssertion(jws, expect, setup::validator(), nonces);
    __builtin_trap();  // the nonce was accepted twice
  } catch (const hcbridge::Error& error) {
    if (error.code() != Errc::NonceReplayed) __builtin_trap();
  }
  return 0;
}
