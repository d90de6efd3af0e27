#include "x509_text.hpp"

#include <openssl/asn1.h>
#include <openssl/err.h>

#include "hcbridge/base/openssl_handle.hpp"
#include "hcbridge/base/utc_time.hpp"

namespace hcbridge::auth::detail {

std::string nameText(const X509_NAME* name) {
  base::BioHandle bio(BIO_new(BIO_s_mem()));
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
  return base::asn1TimeText(time).value_or("(invalid time)");
}

std::string timeText(std::chrono::system_clock::time_point at) {
  return base::utcSecondsText(at);
}

}  // namespace hcbridge::auth::detail
