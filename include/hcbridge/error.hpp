// The one error type of hcbridge: a stable machine-readable code, a message
// naming what went wrong, and a hint telling the user what to do.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

namespace hcbridge {

enum class Errc {
  PcscUnavailable,       // pcscd is not running or its socket is unreachable
  NoReaders,             // pcscd runs but reports no reader
  ReaderNotFound,        // a reader name or index the caller gave does not exist
  ReaderRemoved,         // the reader disappeared during the operation
  CardAbsent,            // no card in the reader
  CardRemoved,           // the card left the reader during the operation
  CardUnresponsive,      // the card does not answer (mute, bad ATR)
  ReaderBusy,            // another program holds the card exclusively
  Timeout,               // an operation did not finish in time
  Cancelled,             // a wait was cancelled by the caller
  ApduInvalid,           // a command or response APDU is malformed
  TlvInvalid,            // BER-TLV data is malformed
  AtrInvalid,            // an ATR is malformed
  CardDataInvalid,       // card content does not parse
  CardUnsupported,       // no driver knows this card
  OperationUnsupported,  // the card type has no such operation (e.g. PIN on a Vitale card)
  PinIncorrect,          // wrong PIN; PinError::retriesLeft() says how many tries remain
  PinBlocked,            // no tries left: the card must be unblocked with its PUK
  PinRequired,           // the operation needs the card's PIN verified first
  ProfileInvalid,        // a simulator card profile is malformed
  ConnectionFailed,      // a TCP peer (e.g. vpcd) cannot be reached
  BadRequest,            // the caller passed malformed arguments
  // Authentication (practitioner session, certificates, tokens).
  PinLastTry,            // one PIN try left: the caller must confirm before the PIN is sent
  SessionRequired,       // the operation needs an open practitioner session
  CertificateInvalid,    // a certificate does not parse
  CertificateUntrusted,  // it does not chain to a configured trust anchor
  CertificateExpired,    // outside its validity period at the verification time
  CertificateRevoked,    // listed in a configured CRL
  CertificateKeyUsage,   // it lacks the digitalSignature key usage
  CardSignatureInvalid,  // the card's signature does not verify with its certificate
  NonceInvalid,          // a challenge nonce is missing, too short or too long
  OriginInvalid,         // an origin is not an https (or loopback http) origin
  PurposeInvalid,        // an unknown record-access purpose
  JustificationRequired, // an emergency access without its justification text
  TokenInvalid,          // a token or assertion is malformed or its signature does not verify
  TokenExpired,          // an assertion is outside its iat..exp window
  OriginMismatch,        // a token was made for another origin
  AudienceMismatch,      // an assertion was made for another audience
  NonceMismatch,         // a token or assertion carries another nonce than the one issued
  NonceReplayed,         // the nonce was already used once
  Internal,              // an unexpected failure of the PC/SC layer or the program
};

// Stable kebab-case identifier, e.g. "pcsc-unavailable". Used in JSON output
// and later as the problem+json `type`; never change an existing one.
constexpr std::string_view errcId(Errc code) {
  switch (code) {
    case Errc::PcscUnavailable:
      return "pcsc-unavailable";
    case Errc::NoReaders:
      return "no-readers";
    case Errc::ReaderNotFound:
      return "reader-not-found";
    case Errc::ReaderRemoved:
      return "reader-removed";
    case Errc::CardAbsent:
      return "card-absent";
    case Errc::CardRemoved:
      return "card-removed";
    case Errc::CardUnresponsive:
      return "card-unresponsive";
    case Errc::ReaderBusy:
      return "reader-busy";
    case Errc::Timeout:
      return "timeout";
    case Errc::Cancelled:
      return "cancelled";
    case Errc::ApduInvalid:
      return "apdu-invalid";
    case Errc::TlvInvalid:
      return "tlv-invalid";
    case Errc::AtrInvalid:
      return "atr-invalid";
    case Errc::CardDataInvalid:
      return "card-data-invalid";
    case Errc::CardUnsupported:
      return "card-unsupported";
    case Errc::OperationUnsupported:
      return "operation-unsupported";
    case Errc::PinIncorrect:
      return "pin-incorrect";
    case Errc::PinBlocked:
      return "pin-blocked";
    case Errc::PinRequired:
      return "pin-required";
    case Errc::ProfileInvalid:
      return "profile-invalid";
    case Errc::ConnectionFailed:
      return "connection-failed";
    case Errc::BadRequest:
      return "bad-request";
    case Errc::PinLastTry:
      return "pin-last-try";
    case Errc::SessionRequired:
      return "practitioner-session-required";
    case Errc::CertificateInvalid:
      return "certificate-invalid";
    case Errc::CertificateUntrusted:
      return "certificate-untrusted";
    case Errc::CertificateExpired:
      return "certificate-expired";
    case Errc::CertificateRevoked:
      return "certificate-revoked";
    case Errc::CertificateKeyUsage:
      return "certificate-key-usage";
    case Errc::CardSignatureInvalid:
      return "card-signature-invalid";
    case Errc::NonceInvalid:
      return "nonce-invalid";
    case Errc::OriginInvalid:
      return "origin-invalid";
    case Errc::PurposeInvalid:
      return "purpose-invalid";
    case Errc::JustificationRequired:
      return "justification-required";
    case Errc::TokenInvalid:
      return "token-invalid";
    case Errc::TokenExpired:
      return "token-expired";
    case Errc::OriginMismatch:
      return "origin-mismatch";
    case Errc::AudienceMismatch:
      return "audience-mismatch";
    case Errc::NonceMismatch:
      return "nonce-mismatch";
    case Errc::NonceReplayed:
      return "nonce-replayed";
    case Errc::Internal:
      return "internal";
  }
  return "internal";
}

class Error : public std::runtime_error {
 public:
  Error(Errc code, const std::string& message, std::string hint = {})
      : std::runtime_error(message), code_(code), hint_(std::move(hint)) {}

  Errc code() const noexcept { return code_; }
  std::string_view id() const noexcept { return errcId(code_); }
  // What the user can do about it; may be empty.
  const std::string& hint() const noexcept { return hint_; }

 private:
  Errc code_;
  std::string hint_;
};

// A PIN verification failure, with the card's remaining tries.
class PinError : public Error {
 public:
  PinError(Errc code, int retriesLeft, const std::string& message, std::string hint = {})
      : Error(code, message, std::move(hint)), retriesLeft_(retriesLeft) {}
  int retriesLeft() const noexcept { return retriesLeft_; }

 private:
  int retriesLeft_;
};

}  // namespace hcbridge
