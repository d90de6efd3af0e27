#include "app_key_crypto.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "hcbridge/error.hpp"

namespace hcbridge::apps {
namespace {

constexpr std::size_t kKeyBytes = 32;

std::string base64UrlNoPadding(const std::uint8_t* data, std::size_t size) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string text;
  std::uint32_t bits = 0;
  int bitCount = 0;
  for (std::size_t i = 0; i < size; ++i) {
    bits = (bits << 8) | data[i];
    bitCount += 8;
    while (bitCount >= 6) {
      bitCount -= 6;
      text.push_back(kAlphabet[(bits >> bitCount) & 0x3F]);
    }
  }
  if (bitCount > 0) text.push_back(kAlphabet[(bits << (6 - bitCount)) & 0x3F]);
  return text;
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string newAppKey() {
  std::uint8_t random[kKeyBytes];
  if (RAND_bytes(random, sizeof random) != 1) {
    throw Error(Errc::Internal, "No randomness available to make an application key (OpenSSL)");
  }
  std::string key = std::string(kKeyPrefix) + base64UrlNoPadding(random, sizeof random);
  OPENSSL_cleanse(random, sizeof random);
  return key;
}

KeyHash hashAppKey(std::string_view key) {
  // Fetched once: a fetch by name on every request (EVP_Q_digest) cost more
  // than the hash itself, on the network thread (issue 17). Never freed:
  // it lives as long as the process, as OpenSSL's own tables do.
  static EVP_MD* const sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  KeyHash hash{};
  unsigned int length = 0;
  if (sha256 == nullptr ||
      EVP_Digest(key.data(), key.size(), hash.data(), &length, sha256, nullptr) != 1 ||
      length != hash.size()) {
    throw Error(Errc::Internal, "SHA-256 failed (OpenSSL)");
  }
  return hash;
}

std::string toLowerHex(const KeyHash& hash) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  for (const std::uint8_t byte : hash) {
    hex.push_back(kDigits[byte >> 4]);
    hex.push_back(kDigits[byte & 0x0F]);
  }
  return hex;
}

bool fromHex(std::string_view hex, KeyHash& hash) {
  if (hex.size() != 2 * hash.size()) return false;
  for (std::size_t i = 0; i < hash.size(); ++i) {
    const int high = hexValue(hex[2 * i]);
    const int low = hexValue(hex[2 * i + 1]);
    if (high < 0 || low < 0) return false;
    hash[i] = static_cast<std::uint8_t>(high << 4 | low);
  }
  return true;
}

}  // namespace hcbridge::apps
