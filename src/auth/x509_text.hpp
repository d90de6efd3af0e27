// Human-readable certificate names and times for results and error messages.
#pragma once

#include <openssl/x509.h>

#include <chrono>
#include <ctime>
#include <string>

namespace hcbridge::auth::detail {

// RFC 2253 one-line form, UTF-8 left as is (not escaped to \XX).
std::string nameText(const X509_NAME* name);
// "2049-12-31T23:59:59Z"; "(invalid time)" when OpenSSL cannot read it.
std::string timeText(const ASN1_TIME* time);
std::string timeText(std::chrono::system_clock::time_point at);

}  // namespace hcbridge::auth::detail
