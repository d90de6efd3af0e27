#include "practitioner_rules.hpp"

#include "hcbridge/error.hpp"
#include "json_fields.hpp"

namespace hcbridge::auth::detail {
namespace {

[[noreturn]] void throwMismatch(const std::string& named, const PractitionerIdentity& identity) {
  throw Error(Errc::ClaimsMismatch,
              "The assertion's claims name practitioner " + named +
                  ", but its certificate is that of " + identity.idType + " " + identity.id,
              "The practitioner is the one whose card signed: refuse the request. An assertion "
              "made by hcbridge never names another practitioner than its card's.");
}

}  // namespace

void requirePractitionerIssuers(const CertificateValidator& validator) {
  if (validator.restrictsIssuers()) return;
  throw Error(Errc::BadRequest,
              "No practitioner issuers are configured: any certificate under the trust anchors "
              "(a patient card's, a server's) would pass for a practitioner's",
              "Name the CA certificates that issue practitioner authentication certificates "
              "(hcbridge verify-*: --issuer PEM; config: practitioner_trust.issuers; library: "
              "TrustSettings::issuers).");
}

void checkPractitionerClaims(const nlohmann::json& claims, const PractitionerIdentity& identity) {
  const base::JsonObjectReader fields = tokenFields(claims, "claims");
  if (claims.contains("sub")) {
    const std::string& subject = fields.requiredString("sub");
    if (subject != identity.id) throwMismatch("'" + subject + "' (sub)", identity);
  }
  if (!claims.contains("practitioner")) return;
  const base::JsonObjectReader practitioner =
      tokenFields(claims.at("practitioner"), "claims' practitioner");
  const std::string& idType = practitioner.requiredString("idType");
  const std::string& id = practitioner.requiredString("id");
  if (idType != identity.idType || id != identity.id) {
    throwMismatch(idType + " " + id, identity);
  }
}

}  // namespace hcbridge::auth::detail
