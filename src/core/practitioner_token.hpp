// What a practitioner session does with the card that proves it: through
// hcbridge's own card driver over PC/SC (DriverToken), or through the card
// middleware's PKCS#11 module (Pkcs11Token, src/core/pkcs11_practitioners.hpp).
// Called on the card's strand only (or the module's thread).
#pragma once

#include <functional>
#include <memory>

#include "hcbridge/auth/crypto.hpp"
#include "hcbridge/card_driver.hpp"
#include "hcbridge/secret.hpp"
#include "hcbridge/signature_scheme.hpp"

namespace hcbridge::core {

class PractitionerToken {
 public:
  virtual ~PractitionerToken() = default;

  virtual PinStatus pinStatus() = 0;
  // Throws PinError(PinIncorrect, retriesLeft) or PinError(PinBlocked).
  virtual void verifyPin(const SecretBytes& pin) = 0;
  // Signs a SHA-256 digest with the authentication key (PIN verified before).
  virtual Bytes sign(ByteView digest, SignatureScheme scheme) = 0;
  // Runs steps as one exclusive use of the card: nothing else reaches the
  // card between them (a PC/SC transaction).
  virtual void exclusively(const std::function<void()>& steps) = 0;
  // Makes the card forget its verified PIN (card reset, C_Logout). Never
  // throws: a card that left forgot it anyway.
  virtual void forget() noexcept = 0;
  // The JWS algorithm to sign with, given the certificate's: a token may be
  // configured for RSA-PSS (PS256) where the certificate says RSA.
  virtual auth::JwsAlgorithm signingAlgorithm(auth::JwsAlgorithm certificateAlgorithm) const {
    return certificateAlgorithm;
  }
};

// The card through its driver, on a connection the session holds exclusively.
class DriverToken : public PractitionerToken {
 public:
  DriverToken(std::shared_ptr<CardConnection> connection, const CardDriver& driver)
      : connection_(std::move(connection)), driver_(driver) {}

  PinStatus pinStatus() override { return driver_.pinStatus(*connection_); }
  void verifyPin(const SecretBytes& pin) override { driver_.verifyPin(*connection_, pin); }
  Bytes sign(ByteView digest, SignatureScheme scheme) override {
    return driver_.signWithAuthenticationKey(*connection_, digest, scheme);
  }
  void exclusively(const std::function<void()>& steps) override {
    Transaction transaction(*connection_);
    steps();
  }
  void forget() noexcept override {
    try {
      connection_->resetCard();
    } catch (const Error&) {
      // The card left meanwhile, or the transport cannot reset: nothing to undo here.
    }
  }

 private:
  std::shared_ptr<CardConnection> connection_;
  const CardDriver& driver_;
};

}  // namespace hcbridge::core
