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

void verifyPractitionerPin(CardConnection& card, const CardDriver& driver,
                           const ProvenPractitioner& practitioner, SecretBytes pin, PinGuard& guard,
                           const PinAttempt& attempt) {
  const SecretBytes sent = std::move(pin);  // wiped when this scope ends, whatever happens
  guard.admit(attempt.cardKey, attempt.caller, driver.pinStatus(card), attempt.confirmLastTry,
              practitioner.pinBlockedHint);
  try {
    driver.verifyPin(card, sent);
  } catch (const PinError& error) {
    if (error.code() == Errc::PinIncorrect || error.code() == Errc::PinBlocked) {
      guard.recordFailure(attempt.cardKey, attempt.caller);
    }
    throw;
  }
  guard.recordSuccess(attempt.cardKey);
}

void provePossession(CardConnection& card, const CardDriver& driver,
                     const ProvenPractitioner& practitioner) {
  const Bytes digest = auth::sha256(auth::randomBytes(kChallengeBytes));
  signAndCheck(card, driver, practitioner, digest);
}

auth::DigestSigner cardSigner(CardConnection& card, const CardDriver& driver,
                              const ProvenPractitioner& practitioner) {
  const SignatureScheme scheme = auth::cardSchemeFor(practitioner.algorithm);
  return [&card, &driver, scheme](ByteView digest) {
    return driver.signWithAuthenticationKey(card, digest, scheme);
  };
}

Bytes signAndCheck(CardConnection& card, const CardDriver& driver,
                   const ProvenPractitioner& practitioner, ByteView digest) {
  Bytes signature =
      driver.signWithAuthenticationKey(card, digest, auth::cardSchemeFor(practitioner.algorithm));
  if (!auth::verifyDigest(practitioner.certificate, practitioner.algorithm, digest, signature)) {
    throw Error(Errc::CardSignatureInvalid,
                "the card's signature does not verify with its own authentication certificate",
                "The card may carry a copied certificate: do not use it, and report it to the "
                "card issuer.");
  }
  return signature;
}

}  // namespace hcbridge::core
