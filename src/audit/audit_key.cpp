#include "hcbridge/audit_key.hpp"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "hcbridge/error.hpp"
#include "sha256_hex.hpp"

namespace hcbridge {
namespace {

[[noreturn]] void keyError(const std::filesystem::path& file, std::string_view what,
                           const std::string& problem, const std::string& hint) {
  throw Error(Errc::KeyFileUnavailable,
              "Cannot read the " + std::string(what) + " " + file.string() + ": " + problem, hint);
}

std::string readHint(const std::filesystem::path& file) {
  return "The audit key is readable only by root and the service user hcbridge (mode 0600): "
         "run the command with sudo, or name a copy you may read with --key FILE. It is made by "
         "the package and by hcbridged at its first start, as " +
         file.string() + ".";
}

std::string serviceHint(const std::filesystem::path& file) {
  return "It must be 32 bytes, owned by the service user with mode 0600 (sudo chown hcbridge: " +
         file.string() + " && sudo chmod 600 " + file.string() +
         "), or set \"audit_key_file\" in the config. Never replace the key of an existing audit "
         "log: its lines would no longer verify.";
}

// Creates the key file with O_EXCL: a concurrent creator wins, never two keys.
void createKeyFile(const std::filesystem::path& file) {
  std::uint8_t buffer[kInstallationKeySize];
  if (RAND_bytes(buffer, sizeof buffer) != 1) throw Error(Errc::Internal, "no randomness");
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    const int error = errno;
    OPENSSL_cleanse(buffer, sizeof buffer);
    if (error == EEXIST) return;
    throw Error(Errc::KeyFileUnavailable,
                "Cannot create the audit key " + file.string() + ": " + std::strerror(error),
                "The package creates it; otherwise make its folder writable for the service "
                "user, or create it as that user: sudo -u hcbridge sh -c 'umask 077; head -c 32 "
                "/dev/urandom > " +
                    file.string() + "'.");
  }
  const ssize_t n = ::write(fd, buffer, sizeof buffer);
  OPENSSL_cleanse(buffer, sizeof buffer);
  const bool synced = fsync(fd) == 0;
  ::close(fd);
  if (n != static_cast<ssize_t>(sizeof buffer) || !synced) {
    throw Error(Errc::KeyFileUnavailable, "Cannot write the audit key " + file.string(),
                "Check the disk, remove the incomplete file and start hcbridged again.");
  }
}

}  // namespace

SecretBytes readKeyFile(const std::filesystem::path& file, std::string_view what,
                        const std::string& hint) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) keyError(file, what, std::strerror(errno), hint);
  struct stat info {};
  if (fstat(fd, &info) != 0 || !S_ISREG(info.st_mode) ||
      info.st_size != static_cast<off_t>(kInstallationKeySize)) {
    ::close(fd);
    keyError(file, what,
             "not a file of " + std::to_string(kInstallationKeySize) + " bytes (was it cut?)",
             hint);
  }
  std::uint8_t buffer[kInstallationKeySize];
  const ssize_t n = ::read(fd, buffer, sizeof buffer);
  const int error = errno;
  ::close(fd);
  if (n != static_cast<ssize_t>(sizeof buffer)) {
    OPENSSL_cleanse(buffer, sizeof buffer);
    keyError(file, what, n < 0 ? std::strerror(error) : "short read", hint);
  }
  SecretBytes key{ByteView(buffer, sizeof buffer)};
  OPENSSL_cleanse(buffer, sizeof buffer);
  return key;
}

AuditKey::AuditKey(SecretBytes key) : key_(std::move(key)), prepared_(nullptr, EVP_MAC_CTX_free) {
  if (key_.size() < 16) throw Error(Errc::Internal, "audit key too short");
  EVP_MAC* hmac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  if (hmac == nullptr) throw Error(Errc::Internal, "HMAC unavailable (OpenSSL)");
  prepared_.reset(EVP_MAC_CTX_new(hmac));
  EVP_MAC_free(hmac);
  char digest[] = "SHA256";
  const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", digest, 0),
                               OSSL_PARAM_construct_end()};
  if (!prepared_ || !EVP_MAC_init(prepared_.get(), key_.view().data(), key_.size(), params)) {
    throw Error(Errc::Internal, "HMAC-SHA-256 setup failed (OpenSSL)");
  }
}

AuditKey AuditKey::load(const std::filesystem::path& file) {
  return AuditKey(readKeyFile(file, "audit key", readHint(file)));
}

AuditKey AuditKey::loadOrCreate(const std::filesystem::path& file) {
  if (::access(file.c_str(), F_OK) != 0 && errno == ENOENT) createKeyFile(file);
  return AuditKey(readKeyFile(file, "audit key", serviceHint(file)));
}

std::string AuditKey::macHex(std::string_view bytes) const {
  const MacContext context(EVP_MAC_CTX_dup(prepared_.get()), EVP_MAC_CTX_free);
  std::uint8_t digest[EVP_MAX_MD_SIZE];
  std::size_t length = 0;
  if (!context ||
      !EVP_MAC_update(context.get(), reinterpret_cast<const unsigned char*>(bytes.data()),
                      bytes.size()) ||
      !EVP_MAC_final(context.get(), digest, &length, sizeof digest)) {
    throw Error(Errc::Internal, "HMAC-SHA-256 failed (OpenSSL)");
  }
  return audit::lowerHex(digest, length);
}

}  // namespace hcbridge
