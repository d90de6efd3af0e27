// Card serials (ICCSN, EF.SN.ICC) point to a person: they are replaced by a
// keyed hash before they reach a log or a disk. The key is random, made once
// per installation and kept in a file only the service can read.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "hcbridge/secret.hpp"

namespace hcbridge::core {

class SerialHasher {
 public:
  explicit SerialHasher(SecretBytes key);
  // Reads the key file, or creates it (32 random bytes, mode 0600) when absent.
  // Throws Error(Internal) naming the file when it cannot be read or written.
  static SerialHasher loadOrCreate(const std::filesystem::path& keyFile);

  // HMAC-SHA-256 of the serial, first 16 bytes as hex: stable per
  // installation, meaningless anywhere else.
  std::string hash(std::string_view serial) const;

 private:
  SecretBytes key_;
};

}  // namespace hcbridge::core
