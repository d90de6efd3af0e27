#include "hcbridge/auth/trust_expiry.hpp"

#include "hcbridge/base/utc_time.hpp"
#include "trust_files.hpp"
#include "x509_text.hpp"

namespace hcbridge::auth {
namespace {

std::optional<std::chrono::system_clock::time_point> timePoint(const ASN1_TIME* time) {
  auto utc = base::asn1TimeUtc(time);
  if (!utc) return std::nullopt;
  return std::chrono::system_clock::from_time_t(timegm(&*utc));
}

// The earliest time of a file decides for it (several certificates or CRLs).
void keepEarliest(TrustFileExpiry& entry, const ASN1_TIME* time) {
  const auto until = timePoint(time);
  if (until && (!entry.validUntil || *until < *entry.validUntil)) {
    entry.validUntil = until;
    entry.validUntilText = detail::timeText(time);
  }
}

TrustFileExpiry certificateFile(const std::filesystem::path& file, std::string_view role) {
  TrustFileExpiry entry{file, std::string(role), std::nullopt, ""};
  for (const auto& certificate : detail::loadCertificates(file, role)) {
    keepEarliest(entry, X509_get0_notAfter(certificate.get()));
  }
  return entry;
}

TrustFileExpiry crlFile(const std::filesystem::path& file) {
  TrustFileExpiry entry{file, "CRL", std::nullopt, ""};
  for (const auto& crl : detail::loadCrls(file))
    keepEarliest(entry, X509_CRL_get0_nextUpdate(crl.get()));
  return entry;
}

}  // namespace

std::vector<TrustFileExpiry> trustFileExpiry(const TrustSettings& trust) {
  std::vector<TrustFileExpiry> entries;
  for (const auto& file : trust.trustAnchors)
    entries.push_back(certificateFile(file, "trust anchor"));
  for (const auto& file : trust.intermediates) {
    entries.push_back(certificateFile(file, "intermediate"));
  }
  for (const auto& file : trust.crls) entries.push_back(crlFile(file));
  for (const auto& file : trust.issuers) {
    entries.push_back(certificateFile(file, "practitioner issuer"));
  }
  return entries;
}

}  // namespace hcbridge::auth
