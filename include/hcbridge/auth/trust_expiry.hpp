// Until when the configured trust material is usable: `hcbridge doctor`
// warns before an anchor, intermediate or CRL expires (an expired CRL makes
// every practitioner session fail, as revocation status is then unknown).
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "hcbridge/auth/certificate_validator.hpp"

namespace hcbridge::auth {

struct TrustFileExpiry {
  std::filesystem::path file;
  std::string role;  // "trust anchor", "intermediate", "CRL", "practitioner issuer"
  // The earliest notAfter of the file's certificates, or the CRL's
  // nextUpdate; unset for a CRL without nextUpdate.
  std::optional<std::chrono::system_clock::time_point> validUntil;
  std::string validUntilText;  // "2049-12-31T23:59:59Z"
};

// One entry per file of `trust`. Throws Error(BadRequest) naming a file that
// cannot be read or parsed, as the service does at start.
std::vector<TrustFileExpiry> trustFileExpiry(const TrustSettings& trust);

}  // namespace hcbridge::auth
