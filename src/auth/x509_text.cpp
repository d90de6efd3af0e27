#include "x509_text.hpp"

#include <openssl/asn1.h>
#include <openssl/err.h>

#include "openssl_ptr.hpp"

namespace hcbridge::auth::detail {
namespace {

std::string isoText(const std::tm& tm) {
  char text[32];
  if (std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) return "(invalid time)";
  return text;
}

}  // namespace

std::string nameText(const X509_NAME* name) {
  ossl::BioPtr bio(BIO_new(BIO_s_mem()));
  // ASN1_STRFLGS_ESC_MSB would turn "Hélène" into "H\C3\A9l\C3\A8ne".
  const unsigned long flags = XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB;
  if (!bio || X509_NAME_print_ex(bio.get(), name, 0, flags) < 0) {
    ERR_clear_error();
    return "(unreadable name)";
  }
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio.get(), &data);
  return length > 0 ? std::string(data, static_cast<std::size_t>(length)) : std::string();
}

std::string timeText(const ASN1_TIME* time) {
  std::tm tm{};
  if (time == nullptr || ASN1_TIME_to_tm(time, &tm) != 1) {
    ERR_clear_error();
    return "(invalid time)";
  }
  return isoText(tm);
}

std::string timeText(std::chrono::system_clock::time_point at) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(at);
  std::tm tm{};
  if (gmtime_r(&seconds, &tm) == nullptr) return "(invalid time)";
  return isoText(tm);
}

}  // namespace hcbridge::auth::detail
