// The one error type of hcbridge: a stable machine-readable code, a message
// naming what went wrong, and a hint telling the user what to do.
#pragma once

#include <chrono>
#include <cstddef>
#include <iterator>
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
  PinLastTry,             // one PIN try left: the caller must confirm before the PIN is sent
  SessionRequired,        // the operation needs an open practitioner session
  CertificateInvalid,     // a certificate does not parse
  CertificateUntrusted,   // it does not chain to a configured trust anchor
  CertificateExpired,     // outside its validity period at the verification time
  CertificateRevoked,     // listed in a configured CRL
  CertificateKeyUsage,    // it lacks the digitalSignature key usage
  CardSignatureInvalid,   // the card's signature does not verify with its certificate
  NonceInvalid,           // a challenge nonce is missing, too short or too long
  OriginInvalid,          // an origin is not an https (or loopback http) origin
  PurposeInvalid,         // an unknown record-access purpose
  JustificationRequired,  // an emergency access without its justification text
  TokenInvalid,           // a token or assertion is malformed or its signature does not verify
  TokenExpired,           // an assertion is outside its iat..exp window
  OriginMismatch,         // a token was made for another origin
  AudienceMismatch,       // an assertion was made for another audience
  NonceMismatch,          // a token or assertion carries another nonce than the one issued
  NonceReplayed,          // the nonce was already used once
  // The practitioner's authority belongs to the practitioner (session binding, PIN protection).
  SessionNotYours,      // the session token is missing or wrong, or another caller or user sent it
  SessionBusy,          // another caller holds the open session: no PIN attempt meanwhile
  PinAttemptTooSoon,    // a wrong PIN was sent moments ago: the next attempt must wait
  PatientCardRequired,  // card_absent_access "deny": a record access needs the patient's card
  // Verifier constraints: the practitioner is the certificate's.
  CertificatePolicy,  // no required policy OID, or the certificate names no practitioner
  ClaimsMismatch,     // the claims name another practitioner than the certificate
  // The keyed audit log.
  KeyFileUnavailable,  // an installation key file (audit key, serial key) is missing or unreadable
  AuditKeyMismatch,    // the audit log's lines were written with another audit key
  // Practitioner cards through a PKCS#11 module.
  Pkcs11ModuleFailed,  // the module does not load, lacks a function, fails, hangs or crashed
  Internal,            // an unexpected failure of the PC/SC layer or the program
  Count,               // not an error: the number of codes above; keep it last
};

// The error catalogue: one row per Errc, in enumerator order. The id is
// stable (JSON output, the problem+json `type` and `code`, src/api/openapi.json):
// never change an existing one. The title and HTTP status are what the API
// reports (src/api/problem.cpp); they sit here, as plain data nothing below
// the API reads, so that one row says everything about an error and adding
// an Errc without its row does not compile. 409: the request is fine but the
// readers/cards are not in a state to serve it (the user acts: insert, wait,
// retry). 502: the card answered nonsense. 503/504: the PC/SC side is down or
// slow.
struct ErrcInfo {
  Errc code;
  std::string_view id;     // stable kebab-case, e.g. "pcsc-unavailable"
  std::string_view title;  // short, human, the same for every occurrence
  int httpStatus;
};

inline constexpr ErrcInfo kErrcCatalogue[] = {
    {Errc::PcscUnavailable, "pcsc-unavailable", "Smart-card service unavailable", 503},
    {Errc::NoReaders, "no-readers", "No card reader", 503},
    {Errc::ReaderNotFound, "reader-not-found", "Reader not found", 404},
    {Errc::ReaderRemoved, "reader-removed", "Reader removed", 409},
    {Errc::CardAbsent, "card-absent", "No card in the reader", 409},
    {Errc::CardRemoved, "card-removed", "Card removed during the operation", 409},
    {Errc::CardUnresponsive, "card-unresponsive", "Card does not answer", 502},
    {Errc::ReaderBusy, "reader-busy", "Reader busy", 409},
    {Errc::Timeout, "timeout", "Timed out", 504},
    {Errc::Cancelled, "cancelled", "Cancelled", 503},
    {Errc::ApduInvalid, "apdu-invalid", "Card data not readable", 502},
    {Errc::TlvInvalid, "tlv-invalid", "Card data not readable", 502},
    {Errc::AtrInvalid, "atr-invalid", "Card data not readable", 502},
    {Errc::CardDataInvalid, "card-data-invalid", "Card data not readable", 502},
    {Errc::CardUnsupported, "card-unsupported", "Card not supported", 409},
    {Errc::OperationUnsupported, "operation-unsupported", "Operation not supported by this card",
     409},
    {Errc::PinIncorrect, "pin-incorrect", "PIN incorrect", 403},
    {Errc::PinBlocked, "pin-blocked", "PIN blocked", 403},
    {Errc::PinRequired, "pin-required", "PIN verification required", 403},
    {Errc::ProfileInvalid, "profile-invalid", "Simulator profile invalid", 500},
    {Errc::ConnectionFailed, "connection-failed", "Connection failed", 502},
    {Errc::BadRequest, "bad-request", "Bad request", 400},
    {Errc::PinLastTry, "pin-last-try", "Last PIN try: confirmation required", 428},
    {Errc::SessionRequired, "practitioner-session-required", "Practitioner session required", 403},
    {Errc::CertificateInvalid, "certificate-invalid", "Certificate not readable", 403},
    {Errc::CertificateUntrusted, "certificate-untrusted", "Certificate not trusted", 403},
    {Errc::CertificateExpired, "certificate-expired", "Certificate expired or not yet valid", 403},
    {Errc::CertificateRevoked, "certificate-revoked", "Certificate revoked", 403},
    {Errc::CertificateKeyUsage, "certificate-key-usage", "Certificate not for authentication", 403},
    {Errc::CardSignatureInvalid, "card-signature-invalid", "Card signature does not verify", 403},
    {Errc::NonceInvalid, "nonce-invalid", "Nonce not valid", 400},
    {Errc::OriginInvalid, "origin-invalid", "Origin not valid", 400},
    {Errc::PurposeInvalid, "purpose-invalid", "Purpose not valid", 400},
    {Errc::JustificationRequired, "justification-required", "Justification required", 400},
    {Errc::TokenInvalid, "token-invalid", "Token not valid", 400},
    {Errc::TokenExpired, "token-expired", "Token expired", 400},
    {Errc::OriginMismatch, "origin-mismatch", "Token made for another origin", 400},
    {Errc::AudienceMismatch, "audience-mismatch", "Assertion made for another audience", 400},
    {Errc::NonceMismatch, "nonce-mismatch", "Nonce does not match", 400},
    {Errc::NonceReplayed, "nonce-replayed", "Nonce already used", 400},
    {Errc::SessionNotYours, "session-not-yours", "Practitioner session belongs to another caller",
     403},
    {Errc::SessionBusy, "session-busy", "Practitioner session in use by another caller", 409},
    {Errc::PinAttemptTooSoon, "pin-attempt-too-soon", "Too soon after a wrong PIN", 429},
    {Errc::PatientCardRequired, "patient-card-required", "Patient card required", 403},
    {Errc::CertificatePolicy, "certificate-policy", "Certificate not a practitioner's", 403},
    {Errc::ClaimsMismatch, "claims-mismatch", "Claims name another practitioner", 403},
    {Errc::KeyFileUnavailable, "key-file-unavailable", "Installation key file unavailable", 500},
    {Errc::AuditKeyMismatch, "audit-key-mismatch", "Audit log written with another key", 500},
    {Errc::Pkcs11ModuleFailed, "pkcs11-module-failed", "Practitioner card module failed", 502},
    {Errc::Internal, "internal", "Internal error", 500},
};

namespace detail {
constexpr bool catalogueInEnumOrder() {
  for (std::size_t i = 0; i < std::size(kErrcCatalogue); ++i) {
    if (kErrcCatalogue[i].code != static_cast<Errc>(i)) return false;
  }
  return true;
}
}  // namespace detail

static_assert(std::size(kErrcCatalogue) == static_cast<std::size_t>(Errc::Count),
              "kErrcCatalogue needs exactly one row per Errc");
static_assert(detail::catalogueInEnumOrder(), "kErrcCatalogue rows must follow the enum's order");

// The catalogue row of `code`; the "internal" row for a value outside the enum.
constexpr const ErrcInfo& errcInfo(Errc code) {
  const auto index = static_cast<std::size_t>(code);
  return index < std::size(kErrcCatalogue)
             ? kErrcCatalogue[index]
             : kErrcCatalogue[static_cast<std::size_t>(Errc::Internal)];
}

// Stable kebab-case identifier, e.g. "pcsc-unavailable".
constexpr std::string_view errcId(Errc code) {
  return errcInfo(code).id;
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

// A refusal that ends on its own: the caller may try again after retryAfter.
class RetryLaterError : public Error {
 public:
  RetryLaterError(Errc code, std::chrono::seconds retryAfter, const std::string& message,
                  std::string hint = {})
      : Error(code, message, std::move(hint)), retryAfter_(retryAfter) {}
  std::chrono::seconds retryAfter() const noexcept { return retryAfter_; }

 private:
  std::chrono::seconds retryAfter_;
};

}  // namespace hcbridge
