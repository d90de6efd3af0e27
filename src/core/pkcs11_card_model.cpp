#include "pkcs11_card_model.hpp"

#include "hcbridge/auth/practitioner_identity.hpp"
#include "hcbridge/error.hpp"
#include "hcbridge/pkcs11/selection.hpp"

namespace hcbridge::core {

TokenCard practitionerCardOfToken(const pkcs11::TokenInfo& token,
                                  const std::vector<pkcs11::CertificateObject>& certificates,
                                  const Bytes& keyId) {
  const pkcs11::CertificateObject* found = pkcs11::authenticationCertificate(certificates, keyId);
  if (found == nullptr) {
    throw Error(Errc::CardDataInvalid,
                keyId.empty() ? "the token holds no certificate for authentication "
                                "(an end-entity certificate with digitalSignature and a CKA_ID)"
                              : "the token holds no certificate with the CKA_ID of "
                                "practitioner_pkcs11.key_id",
                "Check the token with `hcbridge doctor`: it lists the token's certificates.");
  }
  const pkcs11::CertificateObject& authentication = *found;
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
