// Reading the certificate and CRL files of TrustSettings.
#pragma once

#include <filesystem>
#include <string_view>
#include <vector>

#include "hcbridge/base/openssl_handle.hpp"

namespace hcbridge::auth::detail {

// Every certificate of a PEM file (several allowed) or the one of a DER file.
// Throws Error(BadRequest) naming the file and its role ("trust anchor",
// "intermediate") when it cannot be read, or holds no or a broken certificate.
std::vector<base::X509Handle> loadCertificates(const std::filesystem::path& file,
                                               std::string_view role);
// Every CRL of a PEM file, or the one of a DER file; same errors.
std::vector<base::X509CrlHandle> loadCrls(const std::filesystem::path& file);

}  // namespace hcbridge::auth::detail
