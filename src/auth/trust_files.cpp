#include "trust_files.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>

#include "hcbridge/base/x509_der.hpp"
#include "hcbridge/error.hpp"

namespace hcbridge::auth::detail {
namespace {

// Trust files are small; a cap keeps a wrong path (a disk image...) from
// being read into memory.
constexpr std::size_t kMaxTrustFileSize = 16 * 1024 * 1024;

std::string readTrustFile(const std::filesystem::path& file, std::string_view role) {
  const std::string hint = "Check the " + std::string(role) + " file path and its permissions.";
  std::error_code error;
  const auto size = std::filesystem::file_size(file, error);
  if (error) {
    throw Error(
        Errc::BadRequest,
        "Cannot read " + std::string(role) + " file " + file.string() + ": " + error.message(),
        hint);
  }
  if (size > kMaxTrustFileSize) {
    throw Error(Errc::BadRequest,
                "The " + std::string(role) + " file " + file.string() + " is larger than 16 MiB",
                hint);
  }
  std::ifstream in(file, std::ios::binary);
  std::string content{std::istreambuf_iterator<char>(in), {}};
  if (!in && !in.eof()) {
    throw Error(
        Errc::BadRequest,
        "Cannot read " + std::string(role) + " file " + file.string() + ": " + std::strerror(errno),
        hint);
  }
  return content;
}

[[noreturn]] void throwUnparsable(const std::filesystem::path& file, std::string_view role,
                                  std::string_view what) {
  ERR_clear_error();
  throw Error(Errc::BadRequest,
              "The " + std::string(role) + " file " + file.string() + " " + std::string(what),
              "Give a PEM (-----BEGIN ...-----) or DER file; convert others with openssl x509 / "
              "openssl crl.");
}

bool looksLikePem(const std::string& content) {
  return content.find("-----BEGIN ") != std::string::npos;
}

// Reads PEM objects until the end; a broken block is an error, not the end.
template <typename Ptr, typename Reader>
std::vector<Ptr> readPemObjects(const std::string& content, Reader read,
                                const std::filesystem::path& file, std::string_view role) {
  base::BioHandle bio(BIO_new_mem_buf(content.data(), static_cast<int>(content.size())));
  if (!bio) throwUnparsable(file, role, "cannot be buffered (out of memory)");
  std::vector<Ptr> objects;
  ERR_clear_error();
  while (true) {
    Ptr object(read(bio.get()));
    if (!object) break;
    objects.push_back(std::move(object));
  }
  const unsigned long error = ERR_peek_last_error();
  const bool cleanEnd = error == 0 || (ERR_GET_LIB(error) == ERR_LIB_PEM &&
                                       ERR_GET_REASON(error) == PEM_R_NO_START_LINE);
  ERR_clear_error();
  if (!cleanEnd) throwUnparsable(file, role, "holds a PEM block that does not parse");
  return objects;
}

}  // namespace

std::vector<base::X509Handle> loadCertificates(const std::filesystem::path& file,
                                               std::string_view role) {
  const std::string content = readTrustFile(file, role);
  std::vector<base::X509Handle> certificates;
  if (looksLikePem(content)) {
    certificates = readPemObjects<base::X509Handle>(
        content, [](BIO* bio) { return PEM_read_bio_X509(bio, nullptr, nullptr, nullptr); }, file,
        role);
  } else {
    // A DER file may have bytes after its certificate (as it always had).
    base::X509Handle certificate =
        base::parseX509DerPrefix(
            ByteView(reinterpret_cast<const std::uint8_t*>(content.data()), content.size()))
            .certificate;
    if (certificate) certificates.push_back(std::move(certificate));
  }
  if (certificates.empty()) throwUnparsable(file, role, "holds no certificate");
  // Caches the extensions now: later concurrent validations only read them.
  for (const auto& certificate : certificates) X509_check_purpose(certificate.get(), -1, 0);
  return certificates;
}

std::vector<base::X509CrlHandle> loadCrls(const std::filesystem::path& file) {
  constexpr std::string_view kRole = "CRL";
  const std::string content = readTrustFile(file, kRole);
  std::vector<base::X509CrlHandle> crls;
  if (looksLikePem(content)) {
    crls = readPemObjects<base::X509CrlHandle>(
        content, [](BIO* bio) { return PEM_read_bio_X509_CRL(bio, nullptr, nullptr, nullptr); },
        file, kRole);
  } else {
    const auto* cursor = reinterpret_cast<const unsigned char*>(content.data());
    base::X509CrlHandle crl(d2i_X509_CRL(nullptr, &cursor, static_cast<long>(content.size())));
    if (crl) crls.push_back(std::move(crl));
  }
  if (crls.empty()) throwUnparsable(file, kRole, "holds no CRL");
  return crls;
}

}  // namespace hcbridge::auth::detail
