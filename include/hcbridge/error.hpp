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
