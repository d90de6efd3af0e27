// Who may have issued a practitioner's certificate and what it must carry.
// Checked on the end-entity certificate itself (its direct issuer, its own
// certificatePolicies and extendedKeyUsage), not through RFC 5280 policy-tree
// processing, which would also need every CA certificate to carry the policy.
#include "practitioner_constraints.hpp"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>

#include "hcbridge/error.hpp"
#include "trust_files.hpp"
#include "x509_text.hpp"

namespace hcbridge::auth {

namespace {
constexpr std::size_t kMaxOidLength = 128;
}  // namespace

bool isDottedOid(std::string_view text) {
  if (text.empty() || text.size() > kMaxOidLength || text.front() == '.' || text.back() == '.') {
    return false;
  }
  bool dot = false;
  for (const char c : text) {
    if (c == '.') {
      if (dot) return false;  // ".."
      dot = true;
    } else if (c >= '0' && c <= '9') {
      dot = false;
    } else {
      return false;
    }
  }
  return text.find('.') != std::string_view::npos;
}

}  // namespace hcbridge::auth

namespace hcbridge::auth::detail {
namespace {

// The dotted text of an OID as OpenSSL writes it; empty when it does not fit.
std::string dotted(const ASN1_OBJECT* object) {
  char text[kMaxOidLength + 1];
  const int length = OBJ_obj2txt(text, sizeof text, object, 1);
  if (length <= 0 || static_cast<std::size_t>(length) >= sizeof text) return {};
  return text;
}

std::vector<std::string> canonicalOids(const std::vector<std::string>& texts,
                                       const std::string& what, const std::string& configKey) {
  std::vector<std::string> oids;
  for (const auto& text : texts) {
    const base::OpenSslHandle<ASN1_OBJECT, ASN1_OBJECT_free> object(
        isDottedOid(text) ? OBJ_txt2obj(text.c_str(), 1) : nullptr);
    const std::string canonical = object ? dotted(object.get()) : std::string();
    ERR_clear_error();
    if (canonical.empty()) {
      throw Error(Errc::BadRequest,
                  "'" + text + "' is not a " + what + " OID in dotted decimal form",
                  "Write each " + configKey + " entry like 1.2.250.1.71.4.2.1.");
    }
    oids.push_back(canonical);
  }
  return oids;
}

// Same CA: same subject name and same key (a re-issued CA certificate, or the
// copy in x5c, is still that CA).
bool sameCa(const X509* a, const X509* b) {
  return X509_NAME_cmp(X509_get_subject_name(a), X509_get_subject_name(b)) == 0 &&
         EVP_PKEY_eq(X509_get0_pubkey(a), X509_get0_pubkey(b)) == 1;
}

void checkIssuer(const std::vector<base::X509Handle>& issuers, const STACK_OF(X509) * chain,
                 const std::string& subject) {
  const int length = sk_X509_num(chain);
  // A certificate trusted as itself (chain of one) is its own issuer here.
  const X509* issuer = sk_X509_value(chain, length >= 2 ? 1 : 0);
  for (const auto& allowed : issuers) {
    if (issuer != nullptr && sameCa(issuer, allowed.get())) return;
  }
  const std::string issuerName =
      issuer == nullptr ? std::string("?") : nameText(X509_get_subject_name(issuer));
  throw Error(Errc::CertificateUntrusted,
              "The certificate '" + subject + "' was issued by '" + issuerName +
                  "', which is not a configured practitioner issuer",
              "Only certificates of the configured practitioner CAs are accepted "
              "(practitioner_trust.issuers, --issuer): this one is another kind of certificate "
              "(a patient card's, a server's, a staff member's), or add its CA there if it "
              "issues practitioner cards.");
}

std::vector<std::string> policiesOf(X509* certificate, bool& present) {
  int critical = 0;
  const base::OpenSslHandle<CERTIFICATEPOLICIES, CERTIFICATEPOLICIES_free> policies(
      static_cast<CERTIFICATEPOLICIES*>(
          X509_get_ext_d2i(certificate, NID_certificate_policies, &critical, nullptr)));
  ERR_clear_error();
  present = policies != nullptr;
  std::vector<std::string> oids;
  for (int i = 0; present && i < sk_POLICYINFO_num(policies.get()); ++i) {
    oids.push_back(dotted(sk_POLICYINFO_value(policies.get(), i)->policyid));
  }
  return oids;
}

std::vector<std::string> extendedKeyUsagesOf(X509* certificate, bool& present) {
  int critical = 0;
  const base::OpenSslHandle<EXTENDED_KEY_USAGE, EXTENDED_KEY_USAGE_free> usages(
      static_cast<EXTENDED_KEY_USAGE*>(
          X509_get_ext_d2i(certificate, NID_ext_key_usage, &critical, nullptr)));
  ERR_clear_error();
  present = usages != nullptr;
  std::vector<std::string> oids;
  for (int i = 0; present && i < sk_ASN1_OBJECT_num(usages.get()); ++i) {
    oids.push_back(dotted(sk_ASN1_OBJECT_value(usages.get(), i)));
  }
  return oids;
}

bool contains(const std::vector<std::string>& list, const std::string& oid) {
  for (const auto& entry : list) {
    if (entry == oid) return true;
  }
  return false;
}

std::string joined(const std::vector<std::string>& list) {
  std::string text;
  for (const auto& entry : list) text += (text.empty() ? "" : ", ") + entry;
  return text.empty() ? "none" : text;
}

void checkPolicies(const std::vector<std::string>& required, X509* certificate,
                   const std::string& subject) {
  bool present = false;
  const std::vector<std::string> carried = policiesOf(certificate, present);
  for (const auto& oid : required) {
    if (contains(carried, oid)) return;
  }
  throw Error(Errc::CertificatePolicy,
              "The certificate '" + subject + "' carries none of the required policies " +
                  joined(required) + " (it has: " + joined(carried) + ")",
              "Only practitioner authentication certificates are accepted; if this card's "
              "certificates carry another policy, add its OID to practitioner_trust.policies "
              "(--policy).");
}

void checkExtendedKeyUsages(const std::vector<std::string>& required, X509* certificate,
                            const std::string& subject) {
  bool present = false;
  const std::vector<std::string> carried = extendedKeyUsagesOf(certificate, present);
  for (const auto& oid : required) {
    if (contains(carried, oid)) continue;
    throw Error(Errc::CertificateKeyUsage,
                "The certificate '" + subject + "' lacks the extended key usage " + oid +
                    (present ? " (it has: " + joined(carried) + ")" : " (it has none)"),
                "Use the card's authentication certificate; if the deployment's cards do not "
                "carry this extended key usage, remove it from "
                "practitioner_trust.extended_key_usage (--eku).");
  }
}

}  // namespace

PractitionerConstraints loadConstraints(const TrustSettings& settings) {
  PractitionerConstraints constraints;
  for (const auto& file : settings.issuers) {
    for (auto& issuer : loadCertificates(file, "practitioner issuer")) {
      constraints.issuers.push_back(std::move(issuer));
    }
  }
  constraints.policies = canonicalOids(settings.policies, "certificate policy", "policies");
  constraints.extendedKeyUsages =
      canonicalOids(settings.extendedKeyUsages, "extended key usage", "extended_key_usage");
  return constraints;
}

void checkConstraints(const PractitionerConstraints& constraints, const STACK_OF(X509) * chain,
                      const std::string& subject) {
  X509* certificate = sk_X509_value(chain, 0);
  if (certificate == nullptr) {
    throw Error(Errc::Internal, "The verified certificate chain is empty (OpenSSL)");
  }
  if (!constraints.issuers.empty()) checkIssuer(constraints.issuers, chain, subject);
  if (!constraints.policies.empty()) checkPolicies(constraints.policies, certificate, subject);
  if (!constraints.extendedKeyUsages.empty()) {
    checkExtendedKeyUsages(constraints.extendedKeyUsages, certificate, subject);
  }
}

}  // namespace hcbridge::auth::detail
