#include "hba_certificate.hpp"

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "hcbridge/base/openssl_handle.hpp"
#include "hcbridge/base/x509_der.hpp"
#include "hcbridge/error.hpp"

namespace hcbridge::drivers::hba {
namespace {

[[noreturn]] void invalid(std::string_view file, const std::string& detail) {
  ERR_clear_error();
  throw Error(Errc::CardDataInvalid, std::string(file) + ": " + detail,
              "The HBA's certificate is damaged or not laid out as the specification says. If "
              "the card works elsewhere, report it with the output of 'hcbridge readers --json'.");
}

std::string utf8(const ASN1_STRING* text) {
  if (text == nullptr) return {};
  unsigned char* out = nullptr;
  const int length = ASN1_STRING_to_UTF8(&out, text);
  if (length < 0) {
    ERR_clear_error();
    return {};
  }
  std::string result(reinterpret_cast<const char*>(out), static_cast<std::size_t>(length));
  OPENSSL_free(out);
  return result;
}

std::string nameEntry(const X509_NAME* name, int nid) {
  const int index = X509_NAME_get_index_by_NID(name, nid, -1);
  if (index < 0) return {};
  return utf8(X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index)));
}

std::string oidText(const ASN1_OBJECT* object) {
  char text[128];
  const int length = OBJ_obj2txt(text, sizeof text, object, 1);
  if (length <= 0 || static_cast<std::size_t>(length) >= sizeof text) return {};
  return text;
}

}  // namespace

HbaIdentity parseHbaCertificate(ByteView der, std::string_view fileName) {
  const base::X509Handle certificate = base::parseX509Der(der);
  if (!certificate) invalid(fileName, "not an X.509 certificate");
  HbaIdentity identity;
  const X509_NAME* subject = X509_get_subject_name(certificate.get());
  identity.givenName = nameEntry(subject, NID_givenName);
  identity.surname = nameEntry(subject, NID_surname);
  identity.title = nameEntry(subject, NID_title);
  identity.serialNumber = nameEntry(subject, NID_serialNumber);
  if (identity.surname.empty()) invalid(fileName, "the certificate names no surname");

  if (X509_get_ext_by_NID(certificate.get(), NID_x509ExtAdmission, -1) < 0) return identity;
  int critical = 0;
  const base::AdmissionSyntaxHandle admission(static_cast<ADMISSION_SYNTAX*>(
      X509_get_ext_d2i(certificate.get(), NID_x509ExtAdmission, &critical, nullptr)));
  if (!admission) invalid(fileName, "the admission extension does not parse");
  const STACK_OF(ADMISSIONS)* contents =
      ADMISSION_SYNTAX_get0_contentsOfAdmissions(admission.get());
  for (int i = 0; contents != nullptr && i < sk_ADMISSIONS_num(contents); ++i) {
    const PROFESSION_INFOS* infos =
        ADMISSIONS_get0_professionInfos(sk_ADMISSIONS_value(contents, i));
    if (infos == nullptr || sk_PROFESSION_INFO_num(infos) == 0) continue;
    const PROFESSION_INFO* info = sk_PROFESSION_INFO_value(infos, 0);
    const STACK_OF(ASN1_STRING)* items = PROFESSION_INFO_get0_professionItems(info);
    if (items != nullptr && sk_ASN1_STRING_num(items) > 0) {
      identity.profession = utf8(sk_ASN1_STRING_value(items, 0));
    }
    const STACK_OF(ASN1_OBJECT)* oids = PROFESSION_INFO_get0_professionOIDs(info);
    if (oids != nullptr && sk_ASN1_OBJECT_num(oids) > 0) {
      identity.professionOid = oidText(sk_ASN1_OBJECT_value(oids, 0));
    }
    identity.registrationNumber = utf8(PROFESSION_INFO_get0_registrationNumber(info));
    break;
  }
  return identity;
}

}  // namespace hcbridge::drivers::hba
