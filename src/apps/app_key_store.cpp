#include <fcntl.h>
#include <openssl/crypto.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <nlohmann/json.hpp>

#include "app_key_crypto.hpp"
#include "hcbridge/app_keys.hpp"
#include "hcbridge/base/utc_time.hpp"
#include "hcbridge/error.hpp"
#include "private_file.hpp"

namespace hcbridge {
namespace {

// {"version": 1, "apps": [{"name": "...", "sha256": "<64 hex>", "created": "..."}]}
constexpr int kFormatVersion = 1;

[[noreturn]] void malformed(const std::filesystem::path& file, const std::string& why) {
  throw Error(Errc::Internal, "The application key file " + file.string() + " is malformed: " + why,
              "Restore it from a backup, or move it aside and make the keys again with "
              "'hcbridge apps add NAME'.");
}

[[noreturn]] void unreadable(const std::filesystem::path& file, int error) {
  throw Error(Errc::Internal,
              "Cannot read the application key file " + file.string() + ": " + std::strerror(error),
              "Run as a user who may read it (it is mode 0600), or give another file with "
              "--keys.");
}

// The file's content, or nullopt when there is no such file.
std::optional<std::string> readFile(const std::filesystem::path& file) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::nullopt;
    unreadable(file, errno);
  }
  std::string content;
  char chunk[4096];
  for (;;) {
    const ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      const int error = errno;
      ::close(fd);
      unreadable(file, error);
    }
    content.append(chunk, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return content;
}

}  // namespace

bool isValidAppName(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

AppKeyStore AppKeyStore::open(const std::filesystem::path& file) {
  AppKeyStore store(file);
  const std::optional<std::string> content = readFile(file);
  if (!content) return store;
  const auto json = nlohmann::json::parse(*content, nullptr, false);
  if (json.is_discarded()) malformed(file, "not JSON");
  const auto version = json.is_object() ? json.find("version") : json.end();
  if (version == json.end() || *version != kFormatVersion) {
    malformed(file, "not a version " + std::to_string(kFormatVersion) + " key file");
  }
  const auto appList = json.find("apps");
  if (appList == json.end() || !appList->is_array()) malformed(file, "no 'apps' list");
  for (const auto& app : *appList) {
    const std::string position = "entry " + std::to_string(store.entries_.size() + 1);
    if (!app.is_object()) malformed(file, position + " is not an object");
    const auto text = [&](const char* key) {
      const auto it = app.find(key);
      if (it == app.end() || !it->is_string()) {
        malformed(file, position + " has no '" + key + "' string");
      }
      return it->get<std::string>();
    };
    Entry entry{text("name"), {}, text("created")};
    if (!isValidAppName(entry.name)) malformed(file, position + " has an invalid name");
    if (!apps::fromHex(text("sha256"), entry.keyHash)) {
      malformed(file, position + " has a 'sha256' that is not 64 hex digits");
    }
    for (const Entry& other : store.entries_) {
      if (other.name == entry.name) malformed(file, "the name '" + entry.name + "' is used twice");
    }
    store.entries_.push_back(std::move(entry));
  }
  return store;
}

std::string AppKeyStore::add(const std::string& name) {
  if (!isValidAppName(name)) {
    // Not echoed: an invalid name may hold control characters.
    throw Error(Errc::BadRequest, "The application name is not valid",
                "Use 1 to 64 characters from A-Z, a-z, 0-9, '.', '_' and '-', e.g. pharmacy-pos.");
  }
  for (const Entry& entry : entries_) {
    if (entry.name == name) {
      throw Error(Errc::BadRequest, "An application named '" + name + "' already exists",
                  "Choose another name, or revoke the old key first with 'hcbridge apps remove " +
                      name + "'.");
    }
  }
  std::string key = apps::newAppKey();
  entries_.push_back(
      {name, apps::hashAppKey(key), base::utcSecondsText(std::chrono::system_clock::now())});
  try {
    save();
  } catch (...) {
    entries_.pop_back();
    throw;
  }
  return key;
}

std::vector<AppKeyInfo> AppKeyStore::list() const {
  std::vector<AppKeyInfo> infos;
  for (const Entry& entry : entries_) {
    infos.push_back({entry.name, entry.created, apps::toLowerHex(entry.keyHash).substr(0, 8)});
  }
  return infos;
}

bool AppKeyStore::remove(const std::string& name) {
  const auto it = std::find_if(entries_.begin(), entries_.end(),
                               [&](const Entry& entry) { return entry.name == name; });
  if (it == entries_.end()) return false;
  const Entry removed = *it;
  const auto position = entries_.erase(it);
  try {
    save();
  } catch (...) {
    entries_.insert(position, removed);
    throw;
  }
  return true;
}

std::optional<std::string> AppKeyStore::authenticate(std::string_view presentedKey) const {
  // The format is public, so refusing other strings early reveals nothing.
  if (!presentedKey.starts_with(apps::kKeyPrefix)) return std::nullopt;
  const apps::KeyHash presented = apps::hashAppKey(presentedKey);
  std::optional<std::string> match;
  // Every entry is compared, in constant time, whichever one matches.
  for (const Entry& entry : entries_) {
    if (CRYPTO_memcmp(entry.keyHash.data(), presented.data(), presented.size()) == 0) {
      match = entry.name;
    }
  }
  return match;
}

void AppKeyStore::save() const {
  nlohmann::ordered_json appList = nlohmann::ordered_json::array();
  for (const Entry& entry : entries_) {
    appList.push_back({{"name", entry.name},
                       {"sha256", apps::toLowerHex(entry.keyHash)},
                       {"created", entry.created}});
  }
  const nlohmann::ordered_json json = {{"version", kFormatVersion}, {"apps", appList}};
  apps::replacePrivateFile(file_, json.dump(2) + "\n");
}

}  // namespace hcbridge
