#include "pcsc_error.hpp"

#include <pcsclite.h>

#include <string>

namespace hcbridge::pcsc {

Errc classify(LONG rv) {
  switch (rv) {
    case SCARD_E_NO_SERVICE:
    case SCARD_E_SERVICE_STOPPED:
    case SCARD_E_INVALID_HANDLE:
    case SCARD_F_COMM_ERROR:
    // "Access denied": pcscd refusing the client (polkit), also seen from a
    // pcscd restarting (tests/soak); a 500 internal before.
    case SCARD_W_SECURITY_VIOLATION:
      return Errc::PcscUnavailable;
    case SCARD_E_NO_READERS_AVAILABLE:
      return Errc::NoReaders;
    case SCARD_E_UNKNOWN_READER:
      return Errc::ReaderNotFound;
    case SCARD_E_READER_UNAVAILABLE:
      return Errc::ReaderRemoved;
    case SCARD_E_NO_SMARTCARD:
      return Errc::CardAbsent;
    case SCARD_W_REMOVED_CARD:
    case SCARD_W_RESET_CARD:
      return Errc::CardRemoved;
    case SCARD_W_UNRESPONSIVE_CARD:
    case SCARD_W_UNPOWERED_CARD:
    case SCARD_E_INVALID_ATR:
    case SCARD_E_PROTO_MISMATCH:
    case SCARD_E_NOT_TRANSACTED:
    case SCARD_W_UNSUPPORTED_CARD:
      return Errc::CardUnresponsive;
    case SCARD_E_SHARING_VIOLATION:
      return Errc::ReaderBusy;
    case SCARD_E_TIMEOUT:
      return Errc::Timeout;
    case SCARD_E_CANCELLED:
      return Errc::Cancelled;
    default:
      return Errc::Internal;
  }
}

bool isServiceLoss(LONG rv) {
  return rv == SCARD_E_NO_SERVICE || rv == SCARD_E_SERVICE_STOPPED ||
         rv == SCARD_E_INVALID_HANDLE || rv == SCARD_F_COMM_ERROR;
}

namespace {

std::string hintFor(Errc code) {
  switch (code) {
    case Errc::PcscUnavailable:
      return "pcscd is not running: start it with 'sudo systemctl start pcscd.socket' "
             "(or 'sudo pcscd' where systemd is absent), then try again.";
    case Errc::NoReaders:
      return "Connect a smart-card reader. For simulated cards install vsmartcard-vpcd and "
             "restart pcscd.";
    case Errc::ReaderNotFound:
      return "Run 'hcbridge readers' to list the reader names and indexes.";
    case Errc::ReaderRemoved:
      return "The reader was unplugged: plug it in again and retry.";
    case Errc::CardAbsent:
      return "Insert a card into the reader and retry.";
    case Errc::CardRemoved:
      return "The card left the reader (or was reset by another program) during the "
             "operation: insert it again and retry.";
    case Errc::CardUnresponsive:
      return "The card does not answer: take it out, check its orientation and contacts, "
             "and insert it again.";
    case Errc::ReaderBusy:
      return "Another program holds this card exclusively: close it and retry.";
    case Errc::Timeout:
      return "The reader did not answer in time: retry, or replug the reader.";
    default:
      return {};
  }
}

}  // namespace

void throwPcscError(LONG rv, std::string_view operation, std::string_view reader) {
  std::string message(operation);
  if (!reader.empty()) message += " on reader '" + std::string(reader) + "'";
  message += " failed: ";
  message += pcsc_stringify_error(rv);
  const Errc code = classify(rv);
  if (rv == SCARD_W_SECURITY_VIOLATION) {
    throw Error(code, message,
                "pcscd refused this user (polkit: run 'sudo hcbridge doctor'), or it was "
                "restarting: retry in a moment.");
  }
  throw Error(code, message, hintFor(code));
}

}  // namespace hcbridge::pcsc
