// verifyWebEidToken on the JSON text of arbitrary tokens, with the fixed test
// PKI verifier of auth_fuzz_setup.hpp. Only hcbridge::Error may come out, with
// a code a token can cause; an accepted token matches what it says and its
// nonce is refused the second time.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>

#include "auth_fuzz_setup.hpp"
#include "hcbridge/auth/verifier.hpp"
#include "hcbridge/error.hpp"

namespace {

using hcbridge::Errc;
namespace auth = hcbridge::auth;
namespace setup = hcbridge::fuzz_auth;

bool isTokenError(Errc code) {
  switch (code) {
    case Errc::TokenInvalid:
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
  const auto token = nlohmann::json::parse(data, data + size, nullptr, false);
  if (token.is_discarded()) return 0;
  const auth::TokenExpectations expect{setup::kOrigin, setup::kNonce, setup::now()};
  auth::MemoryNonceStore nonces;
  try {
    const auto verified = auth::verifyWebEidToken(token, expect, setup::validator(), nonces);
    if (token.at("algorithm").get<std::string>() != auth::jwsName(verified.algorithm)) {
      __builtin_trap();
    }
    if (auth::base64(verified.certificateDer) != token.at("unverifiedCertificate")) {
      __builtin_trap();
    }
  } catch (const hcbridge::Error& error) {
    if (!isTokenError(error.code())) __builtin_trap();
    return 0;
  }
  try {
    auth::verifyWebEidToken(token, expect, setup::validator(), nonces);
    __builtin_trap();  // the nonce was accepted twice
  } catch (const hcbridge::Error& error) {
    if (error.code() != Errc::NonceReplayed) __builtin_trap();
  }
  return 0;
}
