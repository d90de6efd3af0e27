// The application keys the server checks, swappable on SIGHUP while
// requests are being checked on other threads.
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "hcbridge/app_keys.hpp"

namespace hcbridge::daemon {

class AppKeyRing {
 public:
  explicit AppKeyRing(std::filesystem::path file)
      : file_(std::move(file)), store_(std::make_shared<AppKeyStore>(AppKeyStore::open(file_))) {}

  std::optional<std::string> authenticate(std::string_view key) const {
    return current()->authenticate(key);
  }

  // Reads the file again; on error the keys in use stay as they were.
  // Returns the number of keys now in use.
  std::size_t reload() {
    auto fresh = std::make_shared<const AppKeyStore>(AppKeyStore::open(file_));
    const std::size_t count = fresh->list().size();
    std::lock_guard lock(mutex_);
    store_ = std::move(fresh);
    return count;
  }

  std::size_t size() const { return current()->list().size(); }
  const std::filesystem::path& file() const { return file_; }

 private:
  std::shared_ptr<const AppKeyStore> current() const {
    std::lock_guard lock(mutex_);
    return store_;
  }

  std::filesystem::path file_;
  mutable std::mutex mutex_;
  std::shared_ptr<const AppKeyStore> store_;
};

}  // namespace hcbridge::daemon
