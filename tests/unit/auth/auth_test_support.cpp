#include "auth_test_support.hpp"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <ctime>
#include <fstream>
#include <iterator>
#include <stdexcept>

#include "hcbridge/base/openssl_handle.hpp"

namespace hcbridge::testing {
namespace {

void require(bool ok, const char* what) {
  if (!ok) {
    ERR_print_errors_fp(stderr);
    throw std::runtime_error(std::string("OpenSSL test helper failed: ") + what);
  }
}

Bytes sign(EVP_PKEY* key, ByteView digest, int padding) {
  base::EvpPkeyCtxHandle context(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
  require(context && EVP_PKEY_sign_init(context.get()) == 1 &&
              EVP_PKEY_CTX_set_signature_md(context.get(), EVP_sha256()) == 1,
          "sign init");
  if (padding != 0) {
    require(EVP_PKEY_CTX_set_rsa_padding(context.get(), padding) == 1, "padding");
    if (padding == RSA_PKCS1_PSS_PADDING) {
      require(EVP_PKEY_CTX_set_rsa_pss_saltlen(context.get(), RSA_PSS_SALTLEN_DIGEST) == 1 &&
                  EVP_PKEY_CTX_set_rsa_mgf1_md(context.get(), EVP_sha256()) == 1,
              "pss");
    }
  }
  std::size_t length = 0;
  require(EVP_PKEY_sign(context.get(), nullptr, &length, digest.data(), digest.size()) == 1,
          "sign size");
  Bytes signature(length);
  require(
      EVP_PKEY_sign(context.get(), signature.data(), &length, digest.data(), digest.size()) == 1,
      "sign");
  signature.resize(length);
  return signature;
}

}  // namespace

struct TestKey::Impl {
  base::EvpPkeyHandle key;
  bool isEc() const { return EVP_PKEY_is_a(key.get(), "EC") == 1; }
};

TestKey::TestKey(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

std::filesystem::path pkiFile(const std::string& name) {
  return std::filesystem::path(HCBRIDGE_PKI_DIR) / name;
}

Bytes readBytes(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + file.string());
  return {std::istreambuf_iterator<char>(in), {}};
}

Bytes fixtureCertificate(const std::string& stem) {
  return readBytes(pkiFile(stem + ".cert.der"));
}

std::chrono::system_clock::time_point at(int year, int month, int day) {
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

TestKey TestKey::fromPem(const std::filesystem::path& file) {
  const Bytes pem = readBytes(file);
  base::BioHandle bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  auto impl = std::make_shared<Impl>();
  impl->key.reset(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  require(impl->key != nullptr, "read key");
  return TestKey(std::move(impl));
}

TestKey TestKey::generateEc(const std::string& curve) {
  auto impl = std::make_shared<Impl>();
  impl->key.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", curve.c_str()));
  require(impl->key != nullptr, "EC keygen");
  return TestKey(std::move(impl));
}

Bytes TestKey::signDigestDer(ByteView digest) const {
  return sign(impl_->key.get(), digest, 0);
}

Bytes TestKey::signDigest(ByteView digest) const {
  if (!impl_->isEc()) return sign(impl_->key.get(), digest, RSA_PKCS1_PADDING);
  const Bytes der = signDigestDer(digest);
  const unsigned char* cursor = der.data();
  base::EcdsaSigHandle signature(d2i_ECDSA_SIG(nullptr, &cursor, static_cast<long>(der.size())));
  require(signature != nullptr, "ECDSA DER");
  Bytes raw(64);
  require(BN_bn2binpad(ECDSA_SIG_get0_r(signature.get()), raw.data(), 32) == 32 &&
              BN_bn2binpad(ECDSA_SIG_get0_s(signature.get()), raw.data() + 32, 32) == 32,
          "r||s");
  return raw;
}

Bytes TestKey::signDigestPss(ByteView digest) const {
  return sign(impl_->key.get(), digest, RSA_PKCS1_PSS_PADDING);
}

auth::DigestSigner TestKey::signer() const {
  return [self = *this](ByteView digest) { return self.signDigest(digest); };
}

Bytes TestKey::selfSignedCertificate(const std::string& commonName, bool keyUsage,
                                     const std::string& serialNumber) const {
  base::X509Handle certificate(X509_new());
  require(certificate != nullptr, "X509_new");
  X509_set_version(certificate.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(certificate.get()), 4242);
  X509_NAME* name = X509_get_subject_name(certificate.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>("TEST hcbridge"), -1, -1, 0);
  if (!serialNumber.empty()) {
    X509_NAME_add_entry_by_txt(name, "serialNumber", MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(serialNumber.c_str()), -1, -1,
                               0);
  }
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(commonName.c_str()), -1, -1, 0);
  X509_set_issuer_name(certificate.get(), name);
  ASN1_TIME_set_string(X509_getm_notBefore(certificate.get()), "20250101000000Z");
  ASN1_TIME_set_string(X509_getm_notAfter(certificate.get()), "20491231235959Z");
  require(X509_set_pubkey(certificate.get(), impl_->key.get()) == 1, "pubkey");
  if (keyUsage) {
    X509V3_CTX context;
    X509V3_set_ctx_nodb(&context);
    X509V3_set_ctx(&context, certificate.get(), certificate.get(), nullptr, nullptr, 0);
    X509_EXTENSION* extension =
        X509V3_EXT_conf_nid(nullptr, &context, NID_key_usage, "critical,digitalSignature");
    require(extension != nullptr, "keyUsage");
    X509_add_ext(certificate.get(), extension, -1);
    X509_EXTENSION_free(extension);
  }
  require(X509_sign(certificate.get(), impl_->key.get(), EVP_sha256()) > 0, "X509_sign");
  unsigned char* out = nullptr;
  const int length = i2d_X509(certificate.get(), &out);
  require(length > 0, "i2d_X509");
  Bytes der(out, out + length);
  OPENSSL_free(out);
  return der;
}

namespace {

void addName(X509_NAME* name, const char* field, const std::string& value) {
  X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(value.c_str()), -1, -1, 0);
}

// AdmissionSyntax with one admission and one profession info (ISIS-MTT,
// as gemSpec_PKI lays out the HBA's).
void addAdmission(X509* certificate, const std::string& registrationNumber) {
  base::OpenSslHandle<ADMISSION_SYNTAX, ADMISSION_SYNTAX_free> syntax(ADMISSION_SYNTAX_new());
  ADMISSIONS* admissions = ADMISSIONS_new();
  PROFESSION_INFO* info = PROFESSION_INFO_new();
  ASN1_STRING* item = ASN1_UTF8STRING_new();
  ASN1_STRING* number = ASN1_PRINTABLESTRING_new();
  require(syntax && admissions && info && item && number, "admission objects");
  ASN1_STRING_set(item, "TEST Ärztin/Arzt", -1);
  ASN1_STRING_set(number, registrationNumber.c_str(), -1);
  STACK_OF(ASN1_STRING)* items = sk_ASN1_STRING_new_null();
  sk_ASN1_STRING_push(items, item);
  PROFESSION_INFO_set0_professionItems(info, items);
  PROFESSION_INFO_set0_registrationNumber(info, number);
  PROFESSION_INFOS* infos = sk_PROFESSION_INFO_new_null();
  sk_PROFESSION_INFO_push(infos, info);
  ADMISSIONS_set0_professionInfos(admissions, infos);
  STACK_OF(ADMISSIONS)* contents = sk_ADMISSIONS_new_null();
  sk_ADMISSIONS_push(contents, admissions);
  ADMISSION_SYNTAX_set0_contentsOfAdmissions(syntax.get(), contents);
  require(X509_add1_ext_i2d(certificate, NID_x509ExtAdmission, syntax.get(), 0, 0) == 1,
          "admission extension");
}

}  // namespace

Bytes TestKey::selfSignedHbaCertificate(const std::string& surname,
                                        const std::string& telematikId) const {
  base::X509Handle certificate(X509_new());
  require(certificate != nullptr, "X509_new");
  X509_set_version(certificate.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(certificate.get()), 4243);
  X509_NAME* name = X509_get_subject_name(certificate.get());
  addName(name, "C", "DE");
  addName(name, "serialNumber", "80276883110000000001");  // an ICCSN: not the identity
  addName(name, "SN", surname);
  addName(name, "GN", "Gerda");
  addName(name, "CN", "Gerda " + surname);
  X509_set_issuer_name(certificate.get(), name);
  ASN1_TIME_set_string(X509_getm_notBefore(certificate.get()), "20250101000000Z");
  ASN1_TIME_set_string(X509_getm_notAfter(certificate.get()), "20491231235959Z");
  require(X509_set_pubkey(certificate.get(), impl_->key.get()) == 1, "pubkey");
  addAdmission(certificate.get(), telematikId);
  require(X509_sign(certificate.get(), impl_->key.get(), EVP_sha256()) > 0, "X509_sign");
  unsigned char* out = nullptr;
  const int length = i2d_X509(certificate.get(), &out);
  require(length > 0, "i2d_X509");
  Bytes der(out, out + length);
  OPENSSL_free(out);
  return der;
}

TestKey demoKey() {
  return TestKey::fromPem(pkiFile("cps-demo-auth.key.pem"));
}

auth::TrustSettings standardTrust(bool withCrl) {
  auth::TrustSettings settings;
  settings.trustAnchors = {pkiFile("root.cert.pem")};
  settings.intermediates = {pkiFile("intermediate.cert.pem")};
  if (withCrl) settings.crls = {pkiFile("intermediate.crl")};
  settings.issuers = {pkiFile("intermediate.cert.pem")};
  settings.policies = {kTestPractitionerPolicy};
  settings.extendedKeyUsages = {kClientAuth};
  return settings;
}

auth::CertificateValidator standardValidator(bool withCrl) {
  return auth::CertificateValidator(standardTrust(withCrl));
}

void writePem(const std::filesystem::path& file, const std::vector<Bytes>& certificates) {
  base::BioHandle bio(BIO_new_file(file.c_str(), "w"));
  require(bio != nullptr, "BIO_new_file");
  for (const auto& der : certificates) {
    const unsigned char* cursor = der.data();
    base::X509Handle certificate(d2i_X509(nullptr, &cursor, static_cast<long>(der.size())));
    require(certificate && PEM_write_bio_X509(bio.get(), certificate.get()) == 1, "PEM write");
  }
}

bool opensslVerifyMessage(ByteView certificateDer, const std::string& message,
                          ByteView derSignature) {
  const unsigned char* cursor = certificateDer.data();
  base::X509Handle certificate(
      d2i_X509(nullptr, &cursor, static_cast<long>(certificateDer.size())));
  require(certificate != nullptr, "certificate");
  base::EvpMdCtxHandle context(EVP_MD_CTX_new());
  require(EVP_DigestVerifyInit(context.get(), nullptr, EVP_sha256(), nullptr,
                               X509_get0_pubkey(certificate.get())) == 1,
          "DigestVerifyInit");
  const int result =
      EVP_DigestVerify(context.get(), derSignature.data(), derSignature.size(),
                       reinterpret_cast<const unsigned char*>(message.data()), message.size());
  ERR_clear_error();
  return result == 1;
}

}  // namespace hcbridge::testing
