// The practitioner's identity from the certificate, by the rules the card
// drivers use for professionalId (drivers/cps: idNat in the subject
// serialNumber or CN; drivers/hba: the admission registrationNumber), so that
// a verifier compares like with like.
#include "hcbridge/auth/practitioner_identity.hpp"

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>

#include <optional>
#include <string_view>

#include "der.hpp"
#include "hcbridge/base/openssl_handle.hpp"
#include "hcbridge/error.hpp"

namespace hcbridge::auth {
namespace {

constexpr std::size_t kMaxValue = 256;

// UTF-8 of a certificate string; control characters -> '?'; empty when it is
// longer than kMaxValue (no identity is that long) or unreadable.
std::string text(const ASN1_STRING* value) {
  if (value == nullptr) return {};
  unsigned char* utf8 = nullptr;
  const int length = ASN1_STRING_to_UTF8(&utf8, value);
  if (length < 0) {
    ERR_clear_error();
    return {};
  }
  std::string result;
  if (static_cast<std::size_t>(length) <= kMaxValue) {
    for (int i = 0; i < length; ++i) {
      const auto c = static_cast<unsigned char>(utf8[i]);
      result += (c < 0x20 || c == 0x7F) ? '?' : static_cast<char>(c);
    }
  }
  OPENSSL_free(utf8);
  return result;
}

std::string nameEntry(const X509_NAME* name, int nid) {
  const int index = X509_NAME_get_index_by_NID(name, nid, -1);
  return index < 0 ? std::string()
                   : text(X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index)));
}

bool isNationalId(std::string_view id) {
  if (id.size() < 2 || id.size() > 32) return false;
  for (const char c : id) {
    const bool ok = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
    if (!ok) return false;
  }
  return true;
}

// Printable ASCII without spaces, as Telematik-IDs are ("1-2.58.00000040").
bool isRegistrationNumber(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (const char c : id) {
    if (c <= 0x20 || c >= 0x7F) return false;
  }
  return true;
}

[[noreturn]] void throwNoPractitioner(const std::string& why) {
  throw Error(Errc::CertificatePolicy, "The certificate names no practitioner: " + why,
              "Use a practitioner card's authentication certificate (CPS, HBA): the identity a "
              "verifier reports is taken from the certificate, never from the claims.");
}

// An admission extension is authoritative when present: one without a usable
// registrationNumber is refused rather than read some other way.
std::optional<std::string> telematikId(X509* certificate) {
  if (X509_get_ext_by_NID(certificate, NID_x509ExtAdmission, -1) < 0) return std::nullopt;
  int critical = 0;
  const base::AdmissionSyntaxHandle admission(static_cast<ADMISSION_SYNTAX*>(
      X509_get_ext_d2i(certificate, NID_x509ExtAdmission, &critical, nullptr)));
  ERR_clear_error();
  if (!admission) throwNoPractitioner("its admission extension does not parse");
  const STACK_OF(ADMISSIONS)* contents =
      ADMISSION_SYNTAX_get0_contentsOfAdmissions(admission.get());
  for (int i = 0; contents != nullptr && i < sk_ADMISSIONS_num(contents); ++i) {
    const PROFESSION_INFOS* infos =
        ADMISSIONS_get0_professionInfos(sk_ADMISSIONS_value(contents, i));
    if (infos == nullptr || sk_PROFESSION_INFO_num(infos) == 0) continue;
    // The HBA driver reads the first profession info; so does this.
    const std::string number =
        text(PROFESSION_INFO_get0_registrationNumber(sk_PROFESSION_INFO_value(infos, 0)));
    if (isRegistrationNumber(number)) return number;
    break;
  }
  throwNoPractitioner("its admission extension holds no usable registrationNumber (Telematik-ID)");
}

std::optional<std::string> nationalId(const X509_NAME* subject) {
  const std::string serialNumber = nameEntry(subject, NID_serialNumber);
  if (isNationalId(serialNumber)) return serialNumber;
  const std::string commonName = nameEntry(subject, NID_commonName);
  if (!commonName.empty() && commonName[0] >= '0' && commonName[0] <= '9') {
    const std::string head = commonName.substr(0, commonName.find('/'));
    if (isNationalId(head)) return head;
  }
  return std::nullopt;
}

std::string displayName(const X509_NAME* subject) {
  const std::string given = nameEntry(subject, NID_givenName);
  const std::string surname = nameEntry(subject, NID_surname);
  if (given.empty() && surname.empty()) return nameEntry(subject, NID_commonName);
  return given.empty() ? surname : surname.empty() ? given : given + " " + surname;
}

}  // namespace

PractitionerIdentity practitionerIdentityOf(ByteView certificateDer) {
  const auto certificate = detail::requireCertificate(certificateDer);
  const X509_NAME* subject = X509_get_subject_name(certificate.get());
  PractitionerIdentity identity;
  identity.name = displayName(subject);
  identity.surname = nameEntry(subject, NID_surname);
  identity.givenNames = nameEntry(subject, NID_givenName);
  if (auto national = nationalId(subject)) identity.nationalId = *national;
  if (auto number = telematikId(certificate.get())) {
    identity.idType = "telematik-id";
    identity.id = std::move(*number);
    return identity;
  }
  if (auto id = nationalId(subject)) {
    // idNat_PS of an RPPS holder is "8" followed by the 11-digit RPPS number.
    if (id->size() == 12 && id->front() == '8') {
      identity.idType = "rpps";
      identity.id = id->substr(1);
    } else {
      identity.idType = "idnat";
      identity.id = std::move(*id);
    }
    return identity;
  }
  throwNoPractitioner(
      "no Telematik-ID (admission extension), no idNat in its subject serialNumber or CN");
}

}  // namespace hcbridge::auth
