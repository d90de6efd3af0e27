#include "card_authentication.hpp"

#include <utility>

#include "hcbridge/error.hpp"

namespace hcbridge::core {
namespace {

constexpr std::size_t kChallengeBytes = 32;

}  // namespace

ProvenPractitioner checkPractitionerCertificate(const PractitionerCard& card,
                                                const AuthenticationSettings& settings) {
  if (card.certificates.empty()) {
    throw Error(Errc::CardDataInvalid, "the practitioner card holds no authentication certificate");
  }
  ProvenPractitioner practitioner;
  practitioner.certificate = card.certificates.front().der;  // authentication certificate first
  practitioner.validation =
      settings.practitionerTrust.validate(practitioner.certificate, settings.verificationTime());
  practitioner.algorithm = auth::algorithmForCertificate(practitioner.certificate);
  practitioner.card = card;
  practitioner.label = card.cardType + " " + (card.professionalId ? card.professionalId->id : "?");
  practitioner.pinBlockedHint =
      card.pinBlockedHint.empty() ? "Unblock the PIN with the card's PUK or ask the card's issuer."
                                  : card.pinBlockedHint;
  return practitioner;
}

void verifyPractitionerPin(PractitionerToken& card, const ProvenPractitioner& practitioner,
                           SecretBytes pin, PinGuard& guard, const PinAttempt& attempt) {
  const SecretBytes sent = std::move(pin);  // wiped when this scope ends, whatever happens
  guard.admit(attempt.cardKey, attempt.caller, card.pinStatus(), attempt.confirmLastTry,
              practitioner.pinBlockedHint);
  try {
    card.verifyPin(sent);
  } catch (const PinError& error) {
    if (error.code() == Errc::PinIncorrect || error.code() == Errc::PinBlocked) {
      guard.recordFailure(attempt.cardKey, attempt.caller);
    }
    throw;
  }
  guard.recordSuccess(attempt.cardKey);
}

void provePossession(PractitionerToken& card, const ProvenPractitioner& practitioner) {
  const Bytes digest = auth::sha256(auth::randomBytes(kChallengeBytes));
  signAndCheck(card, practitioner, digest);
}

auth::DigestSigner cardSigner(PractitionerToken& card, const ProvenPractitioner& practitioner) {
  const SignatureScheme scheme = auth::cardSchemeFor(practitioner.algorithm);
  return [&card, scheme](ByteView digest) { return card.sign(digest, scheme); };
}

Bytes signAndCheck(PractitionerToken& card, const ProvenPractitioner& practitioner,
                   ByteView digest) {
  Bytes signature = card.sign(digest, auth::cardSchemeFor(practitioner.algorithm));
  if (!auth::verifyDigest(practitioner.certificate, practitioner.algorithm, digest, signature)) {
    throw Error(Errc::CardSignatureInvalid,
                "the card's signature does not verify with its own authentication certificate",
                "The card may carry a copied certificate: do not use it, and report it to the "
                "card issuer.");
  }
  return signature;
}

}  // namespace hcbridge::core
