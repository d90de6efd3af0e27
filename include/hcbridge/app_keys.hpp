// Application keys: how native software (no browser, so no Origin header)
// proves it may call the API. `hcbridge apps add NAME` makes a key and shows
// it once; the store keeps only its SHA-256, with the name and creation time.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hcbridge {

inline constexpr const char* kDefaultAppKeysFile = "/var/lib/hcbridge/app-keys.json";

struct AppKeyInfo {
  std::string name;
  std::string created;  // RFC 3339 UTC, e.g. "2024-05-01T09:30:12Z"
  std::string
      fingerprint;  // first 8 hex digits of the key's hash: tells keys apart, reveals nothing
};

// Not thread-safe for add/remove; concurrent authenticate() calls on an
// unchanging store are fine.
class AppKeyStore {
 public:
  // Loads the store; a missing file is an empty store. Throws Error(Internal)
  // naming the file when it cannot be read or is malformed.
  static AppKeyStore open(const std::filesystem::path& file);

  // Makes a key for a new application, saves the store and returns the key:
  // the only time it exists outside the caller. Throws Error(BadRequest) for
  // an invalid or already used name, Error(Internal) when the file cannot be
  // written.
  std::string add(const std::string& name);

  std::vector<AppKeyInfo> list() const;

  // Revokes the application's key and saves the store; false when no
  // application has that name.
  bool remove(const std::string& name);

  // The name of the application whose key this is, or nullopt.
  std::optional<std::string> authenticate(std::string_view presentedKey) const;

  const std::filesystem::path& path() const noexcept { return file_; }

 private:
  using KeyHash = std::array<std::uint8_t, 32>;
  struct Entry {
    std::string name;
    KeyHash keyHash;
    std::string created;
  };

  explicit AppKeyStore(std::filesystem::path file) : file_(std::move(file)) {}
  void save() const;

  std::filesystem::path file_;
  std::vector<Entry> entries_;
};

// Names: 1 to 64 characters from A-Z a-z 0-9 . _ -
bool isValidAppName(std::string_view name);

}  // namespace hcbridge
