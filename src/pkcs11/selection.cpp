#include "hcbridge/pkcs11/selection.hpp"

#include <openssl/x509v3.h>

#include <cstdint>

#include "hcbridge/base/x509_der.hpp"

namespace hcbridge::pkcs11 {
namespace {

constexpr std::size_t kSlotDescriptionSize = 64;

// How well a certificate suits authentication; negative: not at all.
int authenticationScore(const CertificateObject& object) {
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

}  // namespace

std::string readerOfSlot(std::string_view slotDescription,
                         const std::vector<std::string>& readerNames) {
  if (slotDescription.empty()) return {};
  for (const std::string& reader : readerNames) {
    if (reader == slotDescription) return reader;
  }
  if (slotDescription.size() < kSlotDescriptionSize) return {};
  // Only one reader may begin so: two readers alike in their first 64 bytes
  // would let the patient's reader stand for the practitioner's card.
  std::string match;
  for (const std::string& reader : readerNames) {
    if (!reader.starts_with(slotDescription)) continue;
    if (!match.empty()) return {};
    match = reader;
  }
  return match;
}

bool isPractitionerToken(const SlotInfo& slot, std::string_view tokenLabel) {
  return slot.token && slot.token->userPinInitialized &&
         (tokenLabel.empty() || slot.token->label == tokenLabel);
}

const CertificateObject* authenticationCertificate(
    const std::vector<CertificateObject>& certificates, const Bytes& keyId) {
  const CertificateObject* best = nullptr;
  int bestScore = -1;
  for (const auto& certificate : certificates) {
    if (!keyId.empty()) {
      if (certificate.id == keyId) return &certificate;
      continue;
    }
    const int score = authenticationScore(certificate);
    if (score > bestScore) {
      best = &certificate;
      bestScore = score;
    }
  }
  return best;
}

}  // namespace hcbridge::pkcs11
