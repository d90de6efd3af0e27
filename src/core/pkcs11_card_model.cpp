#include "pkcs11_card_model.hpp"

#include <openssl/x509v3.h>

#include "hcbridge/auth/practitioner_identity.hpp"
#include "hcbridge/base/x509_der.hpp"
#include "hcbridge/error.hpp"

namespace hcbridge::core {
namespace {

// How well a certificate suits authentication; negative: not at all.
int authenticationScore(const pkcs11::CertificateObject& object) {
  const auto certificate = base::parseX509Der(object.der);
  if (!certificate || object.id.empty()) return -1;
  X509* x509 = certificate.get();
  if (X509_check_ca(x509) != 0) return -1;
  const std::uint32_t usage = X509_get_key_usage(x509);  // UINT32_MAX: no extension
  if ((usage & KU_DIGITAL_SIGNATURE) == 0) return -1;
  int score = 0;
  if ((X509_get_extended_key_usage(x509) & XKU_SSL_CLIENT) != 0) score += 2;
  if ((usage & KU_NON_REPUDIATION) == 0 || usage == UINT32_MAX) score += 1;
  return score;
}

const pkcs11::CertificateObject& authenticationCertificate(
    const std::vector<pkcs11::CertificateObject>& certificates, const Bytes& keyId) {
  const pkcs11::CertificateObject* best = nullptr;
  int bestScore = -1;
  for (const auto& certificate : certificates) {
    if (!keyId.empty()) {
      if (certificate.id == keyId) return certificate;
      continue;
    }
    const int score = authenticationScore(certificate);
    if (score > bestScore) {
      best = &certificate;
      bestScore = score;
    }
  }
  if (best == nullptr) {
    throw Error(Errc::CardDataInvalid,
                keyId.empty() ? "the token holds no certificate for authentication "
                                "(an end-entity certificate with digitalSignature and a CKA_ID)"
                              : "the token holds no certificate with the CKA_ID of "
                                "practitioner_pkcs11.key_id",
                "Check the token with `hcbridge doctor`: it lists the token's certificates.");
  }
  return *best;
}

}  // namespace

TokenCard practitionerCardOfToken(const pkcs11::TokenInfo& token,
                                  const std::vector<pkcs11::CertificateObject>& certificates,
                                  const Bytes& keyId) {
  const pkcs11::CertificateObject& authentication = authenticationCertificate(certificates, keyId);
  const auth::PractitionerIdentity identity = auth::practitionerIdentityOf(authentication.der);
  TokenCard result;
  PractitionerCard& card = result.card;
  // The card type as tokens and the audit log name it: by the identity it carries.
  card.cardType = identity.idType == "telematik-id" ? "hba" : "cps";
  card.generation = token.model;
  card.cardSerial = token.serialNumber.empty() ? token.label : token.serialNumber;
  card.surname = identity.surname.empty() ? identity.name : identity.surname;
  card.givenNames = identity.givenNames;
  card.nationalId = identity.nationalId;
  if (identity.idType == "telematik-id") card.telematikId = identity.id;
  card.professionalId = TypedId{identity.idType, identity.id};
  card.certificates.push_back({authentication.label, authentication.der});
  for (const auto& certificate : certificates) {
    if (&certificate != &authentication)
      card.certificates.push_back({certificate.label, certificate.der});
  }
  result.keyId = authentication.id;
  return result;
}

}  // namespace hcbridge::core
