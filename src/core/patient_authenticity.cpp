#include "patient_authenticity.hpp"

#include <string>

#include "hcbridge/auth/crypto.hpp"
#include "hcbridge/error.hpp"

namespace hcbridge::core {
namespace {

using Status = api::PatientAuthenticity::Status;

api::PatientAuthenticity result(Status status, std::string reason, std::string method = {}) {
  return {status, std::move(reason), std::move(method)};
}

bool transportFailure(Errc code) {
  return code == Errc::CardRemoved || code == Errc::CardAbsent || code == Errc::ReaderRemoved ||
         code == Errc::ReaderNotFound || code == Errc::ReaderBusy ||
         code == Errc::PcscUnavailable || code == Errc::CardUnresponsive || code == Errc::Timeout ||
         code == Errc::Cancelled || code == Errc::Internal;
}

bool isCertificateRefusal(Errc code) {
  return code == Errc::CertificateInvalid || code == Errc::CertificateUntrusted ||
         code == Errc::CertificateExpired || code == Errc::CertificateRevoked ||
         code == Errc::CertificateKeyUsage;
}

}  // namespace

api::PatientAuthenticity checkPatientCardAuthenticity(CardConnection& card,
                                                      const CardDriver& driver,
                                                      const auth::CertificateValidator& trust,
                                                      std::chrono::system_clock::time_point at) {
  const Bytes digest = auth::sha256(auth::randomBytes(32));
  CardAuthenticityProof proof;
  try {
    Transaction transaction(card);
    proof = driver.proveAuthenticity(card, digest);
  } catch (const Error& error) {
    if (error.code() == Errc::OperationUnsupported) return result(Status::Unverified, error.what());
    // The card left or the reader failed: the read itself fails, as for any read.
    if (transportFailure(error.code())) throw;
    // The card answered, but its proof is malformed or refused: it proved nothing.
    return result(Status::Failed, std::string(error.id()) + ": " + error.what());
  }
  const std::string method = proof.certificateKind + " challenge-response (" + proof.keyLabel + ")";
  const auth::JwsAlgorithm algorithm = proof.scheme == SignatureScheme::EcdsaSha256
                                           ? auth::JwsAlgorithm::ES256
                                           : auth::JwsAlgorithm::RS256;
  if (!auth::verifyDigestWithPublicKey(proof.publicKeyInfo, algorithm, digest, proof.signature)) {
    return result(Status::Failed,
                  "the card's signature of a fresh challenge does not verify with the key of its "
                  "certificate: the certificate may have been copied from another card",
                  method);
  }
  if (proof.certificateKind != "x509" || proof.x509Certificates.empty()) {
    return result(Status::Unverified,
                  "the card holds the key of its CV certificate, but hcbridge does not check CV "
                  "certificate chains",
                  method);
  }
  if (auth::publicKeyOf(proof.x509Certificates.front()) != proof.publicKeyInfo) {
    return result(Status::Failed, "the card signed with a key that is not its certificate's",
                  method);
  }
  if (!trust.hasTrustAnchors()) {
    return result(Status::Unverified,
                  "the card's signature verifies, but no patient-card trust anchor is configured "
                  "(patient_card_trust in the configuration)",
                  method);
  }
  try {
    const std::vector<Bytes> intermediates(proof.x509Certificates.begin() + 1,
                                           proof.x509Certificates.end());
    const auto validation = trust.validate(proof.x509Certificates.front(), at, intermediates);
    return result(Status::Verified, "card certificate issued under " + validation.issuer, method);
  } catch (const Error& error) {
    if (!isCertificateRefusal(error.code())) throw;
    return result(Status::Failed, std::string(error.id()) + ": " + error.what(), method);
  }
}

}  // namespace hcbridge::core
