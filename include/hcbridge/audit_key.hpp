// The per-installation audit key: 32 random bytes (file mode 0600, separate
// from the serial key) with which each audit line is authenticated by
// HMAC-SHA-256, so that only the service can write a line that verifies.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "hcbridge/secret.hpp"

struct evp_mac_ctx_st;  // OpenSSL's EVP_MAC_CTX, kept out of this header

namespace hcbridge {

inline constexpr std::size_t kInstallationKeySize = 32;

class AuditKey {
 public:
  // At least 16 bytes; the key files hold 32.
  explicit AuditKey(SecretBytes key);

  // Reads the key file (for `hcbridge audit verify` and `audit show`).
  // Throws Error(KeyFileUnavailable) naming the file, and saying that it is
  // readable by root and the service user only, when it cannot be read.
  static AuditKey load(const std::filesystem::path& file);

  // Reads the key file, or creates it (32 random bytes, mode 0600) when it is
  // absent, as the service does at its first start. Throws
  // Error(KeyFileUnavailable) naming the file and what to change.
  static AuditKey loadOrCreate(const std::filesystem::path& file);

  // HMAC-SHA-256 of the bytes, 64 lower-case hex digits. Only copies the
  // prepared context, so several threads may call it.
  std::string macHex(std::string_view bytes) const;

 private:
  using MacContext = std::unique_ptr<evp_mac_ctx_st, void (*)(evp_mac_ctx_st*)>;

  SecretBytes key_;
  // HMAC-SHA-256 set up with the key once: fetching the algorithm and
  // hashing the key again for every line was a third of a line's cost.
  MacContext prepared_;
};

// Reads a 32-byte installation key file (the audit key, the serial key).
// `what` names it in the message ("audit key"); `hint` says what to change.
// Throws Error(KeyFileUnavailable).
SecretBytes readKeyFile(const std::filesystem::path& file, std::string_view what,
                        const std::string& hint);

}  // namespace hcbridge
