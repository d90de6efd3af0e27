#include "hcbridge/core/serial_hasher.hpp"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "hcbridge/bytes.hpp"
#include "hcbridge/error.hpp"

namespace hcbridge::core {
namespace {

constexpr std::size_t kKeySize = 32;

[[noreturn]] void fileError(const std::filesystem::path& file, const char* what) {
  throw Error(Errc::Internal,
              std::string(what) + " the installation key " + file.string() + ": " +
                  std::strerror(errno),
              "Check that the folder exists and that hcbridge may write to it.");
}

}  // namespace

SerialHasher::SerialHasher(SecretBytes key) : key_(std::move(key)) {
  if (key_.size() < 16) throw Error(Errc::Internal, "installation key too short");
}

SerialHasher SerialHasher::loadOrCreate(const std::filesystem::path& keyFile) {
  std::uint8_t buffer[kKeySize];
  int fd = open(keyFile.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    const ssize_t n = read(fd, buffer, sizeof buffer);
    close(fd);
    if (n != static_cast<ssize_t>(sizeof buffer)) fileError(keyFile, "Cannot read");
  } else {
    if (errno != ENOENT) fileError(keyFile, "Cannot open");
    if (RAND_bytes(buffer, sizeof buffer) != 1) throw Error(Errc::Internal, "no randomness");
    fd = open(keyFile.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) fileError(keyFile, "Cannot create");
    const ssize_t n = write(fd, buffer, sizeof buffer);
    const bool synced = fsync(fd) == 0;
    close(fd);
    if (n != static_cast<ssize_t>(sizeof buffer) || !synced) fileError(keyFile, "Cannot write");
  }
  SerialHasher hasher{SecretBytes(ByteView(buffer, sizeof buffer))};
  OPENSSL_cleanse(buffer, sizeof buffer);
  return hasher;
}

std::string SerialHasher::hash(std::string_view serial) const {
  std::uint8_t digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (!HMAC(EVP_sha256(), key_.view().data(), static_cast<int>(key_.size()),
            reinterpret_cast<const unsigned char*>(serial.data()), serial.size(), digest,
            &length)) {
    throw Error(Errc::Internal, "HMAC failed");
  }
  return toHex(ByteView(digest, 16));
}

}  // namespace hcbridge::core
