#include "sha256_hex.hpp"

#include <openssl/evp.h>

#include "hcbridge/error.hpp"

namespace hcbridge::audit {

std::string sha256Hex(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  std::size_t length = 0;
  if (EVP_Q_digest(nullptr, "SHA256", nullptr, bytes.data(), bytes.size(), digest, &length) != 1) {
    throw Error(Errc::Internal, "SHA-256 failed (OpenSSL)");
  }
  return lowerHex(digest, length);
}

std::string lowerHex(const unsigned char* bytes, std::size_t length) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(2 * length);
  for (std::size_t i = 0; i < length; ++i) {
    hex.push_back(kDigits[bytes[i] >> 4]);
    hex.push_back(kDigits[bytes[i] & 0x0F]);
  }
  return hex;
}

}  // namespace hcbridge::audit
