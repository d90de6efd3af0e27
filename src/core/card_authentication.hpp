// What the reader manager does with a practitioner card once it holds the
// card's connection: open a session (certificate, PIN, proof of
// possession) and sign with the card's authentication key, checking every
// signature the card returns against its certificate.
#pragma once

#include <string>

#include "hcbridge/auth/crypto.hpp"
#include "hcbridge/auth/tokens.hpp"
#include "hcbridge/card_driver.hpp"
#include "hcbridge/core/authentication_settings.hpp"
#include "hcbridge/secret.hpp"
#include "pin_guard.hpp"
#include "practitioner_token.hpp"

namespace hcbridge::core {

// The practitioner as proven by the card: what tokens and the audit log name.
struct ProvenPractitioner {
  PractitionerCard card;       // as read: names, profession, the typed professional id
  std::string label;           // "cps 810101201234": card type and professional id
  std::string pinBlockedHint;  // the card driver's: who unblocks this card
  Bytes certificate;           // authentication certificate, DER
  auth::JwsAlgorithm algorithm = auth::JwsAlgorithm::RS256;
  auth::ValidationResult validation;
};

// Checks the authentication certificate against the trust settings before
// any PIN goes to the card. Throws the certificate-* errors.
ProvenPractitioner checkPractitionerCertificate(const PractitionerCard& card,
                                                const AuthenticationSettings& settings);

// One PIN attempt: on which card (its serial hash), by whom, and whether
// the caller confirmed spending the card's last try.
struct PinAttempt {
  std::string cardKey;
  api::SessionCaller caller;
  bool confirmLastTry = false;
};

// Reads the PIN status, lets the guard refuse the attempt (blocked, too
// soon after a wrong PIN, last try not confirmed by the right caller), sends
// the PIN once and records the card's verdict. The caller holds a
// transaction. The PIN is wiped before returning.
void verifyPractitionerPin(PractitionerToken& card, const ProvenPractitioner& practitioner,
                           SecretBytes pin, PinGuard& guard, const PinAttempt& attempt);

// Has the card sign SHA-256 of fresh random bytes and verifies the signature
// with the certificate: a card carrying a copied certificate fails here.
void provePossession(PractitionerToken& card, const ProvenPractitioner& practitioner);

// The card's signature of a SHA-256 digest, verified with the certificate:
// Error(CardSignatureInvalid) when it does not verify.
Bytes signAndCheck(PractitionerToken& card, const ProvenPractitioner& practitioner,
                   ByteView digest);

// The card as the token makers' signer (they check the signature themselves).
auth::DigestSigner cardSigner(PractitionerToken& card, const ProvenPractitioner& practitioner);

}  // namespace hcbridge::core
