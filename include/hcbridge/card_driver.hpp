// A card driver knows one card type: it recognises the card, reads it into
// the plain model, and runs the card's operations. Drivers live in
// drivers/<card>/ together with the simulator profiles of that card.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "hcbridge/card_model.hpp"
#include "hcbridge/secret.hpp"
#include "hcbridge/signature_scheme.hpp"
#include "hcbridge/transport.hpp"

namespace hcbridge {

enum class AtrMatch {
  No,     // not this card
  Maybe,  // possible: probe() decides (cards whose ATR says little, e.g. eGK/HBA)
  Yes,    // this card type
};

// What a patient card shows to prove it is genuine, without PIN: the
// certificate material it carries and its signature over the host's challenge.
// (Kept as agreed, long field comments included.)
// clang-format off
struct CardAuthenticityProof {
  std::vector<Bytes> x509Certificates;  // card certificate first (DER); empty for a CV-certificate card
  Bytes publicKeyInfo;                  // DER SubjectPublicKeyInfo of the key that signed (from the X.509 or CV certificate)
  std::string certificateKind;          // "x509" or "cvc"
  std::string keyLabel;                 // e.g. "invented Vitale card key", "PrK.eGK.AUT_CVC.E256"
  Bytes signature;                      // over the challenge digest; ECDSA as raw r||s
  SignatureScheme scheme;
};
// clang-format on

// Drivers are stateless: every call gets the connection to the card; a
// caller holds a Transaction across calls that belong together.
class CardDriver {
 public:
  virtual ~CardDriver() = default;

  virtual std::string_view id() const = 0;  // "vitale", "cps", "egk", "hba"
  virtual std::string_view displayName() const = 0;
  // How people name the card in a sentence ("carte Vitale", "eGK"); hints
  // such as "Insert a patient card (carte Vitale or eGK)" are built from it.
  virtual std::string_view shortName() const { return displayName(); }
  virtual CardKind kind() const = 0;

  // From the ATR alone (masked ATR tables); sends nothing.
  virtual AtrMatch matchAtr(ByteView atr) const = 0;
  // Sends a few APDUs (AID probe) to confirm; must leave no security state.
  virtual bool probe(CardConnection& card) const = 0;

  // Reads the whole card model (no PIN). Throws Error(CardDataInvalid)
  // naming the file on malformed content; never returns a partial model.
  virtual CardModel read(CardConnection& card) const = 0;

  // Practitioner cards (patient drivers throw Error(OperationUnsupported)).
  virtual PinStatus pinStatus(CardConnection& card) const = 0;
  // Throws PinError(PinIncorrect, retriesLeft) or PinError(PinBlocked).
  virtual void verifyPin(CardConnection& card, const SecretBytes& pin) const = 0;
  virtual std::vector<Certificate> readCertificates(CardConnection& card) const = 0;
  // Signs with the authentication key (PIN verified before).
  virtual Bytes signWithAuthenticationKey(CardConnection& card, ByteView hash,
                                          SignatureScheme scheme) const = 0;

  // Patient cards: signs the host's 32-byte SHA-256 challenge digest with a card key that needs no
  // PIN. The default throws Error(OperationUnsupported): practitioner cards are authenticated by
  // their PIN session instead.
  virtual CardAuthenticityProof proveAuthenticity(CardConnection& card,
                                                  ByteView challengeDigest) const;
};

// Picks the driver for the card in a connection: ATR tables first, then a
// probe by each driver that answered Maybe.
class DriverRegistry {
 public:
  void add(std::unique_ptr<CardDriver> driver);
  const std::vector<std::unique_ptr<CardDriver>>& drivers() const { return drivers_; }
  // Throws Error(CardUnsupported) with the ATR and what to send to get the
  // card supported.
  const CardDriver& identify(CardConnection& card) const;
  // The short names of the drivers of one kind: "carte Vitale or eGK".
  std::string cardNames(CardKind kind) const;

 private:
  std::vector<std::unique_ptr<CardDriver>> drivers_;
};

// All drivers built into hcbridge.
DriverRegistry makeDefaultRegistry();

}  // namespace hcbridge
