#include "pcsc_connection.hpp"

#include <pcsclite.h>
#include <reader.h>

#include <algorithm>
#include <vector>

#include "hcbridge/atr.hpp"
#include "hcbridge/error.hpp"
#include "hcbridge/exchange.hpp"
#include "pcsc_error.hpp"

namespace hcbridge::pcsc {

PcscConnection::PcscConnection(std::shared_ptr<Context> context, const std::string& reader,
                               ShareMode mode)
    : context_(std::move(context)), reader_(reader) {
  DWORD active = 0;
  share_ = mode == ShareMode::Exclusive ? SCARD_SHARE_EXCLUSIVE : SCARD_SHARE_SHARED;
  const LONG rv = SCardConnect(context_->handle(), reader_.c_str(), share_,
                               SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &card_, &active);
  if (rv != SCARD_S_SUCCESS) {
    // A card pulled while pcscd powers it up is "unresponsive", or its
    // half-read ATR a "protocol mismatch" (both found by tests/soak).
    if ((isUnresponsive(rv) || rv == SCARD_E_PROTO_MISMATCH || rv == SCARD_E_INVALID_ATR) &&
        cardLeft()) {
      throwPcscError(SCARD_W_REMOVED_CARD, "Connecting to the card", reader_);
    }
    throwPcscError(rv, "Connecting to the card", reader_);
  }
  protocol_ = active == SCARD_PROTOCOL_T0 ? Protocol::T0 : Protocol::T1;

  unsigned char atr[MAX_ATR_SIZE];
  DWORD atrLength = sizeof atr;
  DWORD state = 0;
  DWORD protocol = 0;
  const LONG status = SCardStatus(card_, nullptr, nullptr, &state, &protocol, atr, &atrLength);
  if (status != SCARD_S_SUCCESS) {
    SCardDisconnect(card_, SCARD_LEAVE_CARD);
    throwPcscError(status, "Reading the card status", reader_);
  }
  atr_.assign(atr, atr + atrLength);
  try {
    extendedLength_ = atr::parse(atr_).extendedLengthSupported && readerAcceptsExtendedLength();
  } catch (const Error&) {
    // pcsc-lite keeps the last ATR with MAX_ATR_SIZE as its length when it
    // fails to power a card up, as when the card is pulled meanwhile (found
    // by tests/soak): a card that left is card-removed, not unsupported.
    // Only that length waits for the reader's verdict: an odd ATR of a card
    // that stays costs no delay.
    if (atrLength == MAX_ATR_SIZE && cardLeft()) {
      SCardDisconnect(card_, SCARD_LEAVE_CARD);
      throwPcscError(SCARD_W_REMOVED_CARD, "Connecting to the card", reader_);
    }
    extendedLength_ = false;  // an odd ATR only costs us extended APDUs
  }
}

PcscConnection::~PcscConnection() {
  SCardDisconnect(card_, SCARD_LEAVE_CARD);
}

bool PcscConnection::readerAcceptsExtendedLength() const {
  // CCID readers report their largest APDU; a driver without the attribute
  // (such as vpcd) passes whatever it gets.
  std::uint32_t maxInput = 0;
  DWORD length = sizeof maxInput;
  const LONG rv = SCardGetAttrib(card_, SCARD_ATTR_MAXINPUT,
                                 reinterpret_cast<unsigned char*>(&maxInput), &length);
  if (rv != SCARD_S_SUCCESS || length != sizeof maxInput) return true;
  return maxInput == 0 || maxInput > 4 + 1 + apdu::kShortMaxNc + 1;
}

bool PcscConnection::cardLeft() const {
  DWORD state = 0;
  DWORD protocol = 0;
  DWORD atrLength = 0;
  const LONG status = SCardStatus(card_, nullptr, nullptr, &state, &protocol, nullptr, &atrLength);
  if (status == SCARD_W_REMOVED_CARD || status == SCARD_E_NO_SMARTCARD ||
      (status == SCARD_S_SUCCESS && (state & SCARD_PRESENT) == 0)) {
    return true;
  }
  // Some drivers (vpcd among them) notice the loss only at their next
  // presence check: wait for it, blocking on the reader state, briefly.
  SCARD_READERSTATE reader{};
  reader.szReader = reader_.c_str();
  reader.dwCurrentState = SCARD_STATE_UNAWARE;
  if (SCardGetStatusChange(context_->handle(), 0, &reader, 1) != SCARD_S_SUCCESS) return false;
  for (int wait = 0; wait < 4 && (reader.dwEventState & SCARD_STATE_PRESENT); ++wait) {
    reader.dwCurrentState = reader.dwEventState & ~static_cast<DWORD>(SCARD_STATE_CHANGED);
    if (SCardGetStatusChange(context_->handle(), kCardLossWaitMs, &reader, 1) != SCARD_S_SUCCESS) {
      return false;
    }
  }
  return (reader.dwEventState & SCARD_STATE_PRESENT) == 0;
}

bool PcscConnection::isUnresponsive(LONG rv) {
  return rv == SCARD_W_UNRESPONSIVE_CARD || rv == SCARD_W_UNPOWERED_CARD;
}

void PcscConnection::fail(LONG rv, std::string_view operation) {
  if (rv == SCARD_E_NOT_TRANSACTED || rv == SCARD_F_COMM_ERROR || rv == SCARD_E_NO_SMARTCARD ||
      isUnresponsive(rv)) {
    if (cardLeft()) throwPcscError(SCARD_W_REMOVED_CARD, operation, reader_);
  }
  throwPcscError(rv, operation, reader_);
}

Bytes PcscConnection::transmitRaw(ByteView command) {
  // One receive buffer per thread: allocating and zeroing 64 KiB for every
  // APDU cost ~10 us each, a tenth of a whole eGK read through pcscd.
  thread_local std::vector<std::uint8_t> buffer(MAX_BUFFER_SIZE_EXTENDED);
  DWORD length = static_cast<DWORD>(buffer.size());
  const SCARD_IO_REQUEST* pci = protocol_ == Protocol::T0 ? SCARD_PCI_T0 : SCARD_PCI_T1;
  const LONG rv = SCardTransmit(card_, pci, command.data(), static_cast<DWORD>(command.size()),
                                nullptr, buffer.data(), &length);
  if (rv != SCARD_S_SUCCESS) fail(rv, "Sending a command to the card");
  if (length < 2) {
    // No status word: the card went away mid-command, or it is mute.
    fail(SCARD_E_NOT_TRANSACTED, "Sending a command to the card");
  }
  Bytes response(buffer.begin(), buffer.begin() + length);
  // Card answers hold personal data: leave none behind in the shared buffer.
  std::fill_n(buffer.begin(), length, std::uint8_t{0});
  return response;
}

apdu::ResponseApdu PcscConnection::transmit(const apdu::CommandApdu& command) {
  return apdu::exchange([this](ByteView raw) { return transmitRaw(raw); }, command);
}

void PcscConnection::beginTransaction() {
  const LONG rv = SCardBeginTransaction(card_);
  if (rv != SCARD_S_SUCCESS) fail(rv, "Starting an exclusive transaction");
}

void PcscConnection::endTransaction() noexcept {
  SCardEndTransaction(card_, SCARD_LEAVE_CARD);
}

void PcscConnection::resetCard() {
  DWORD active = 0;
  const LONG rv = SCardReconnect(card_, share_, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
                                 SCARD_RESET_CARD, &active);
  if (rv != SCARD_S_SUCCESS) fail(rv, "Resetting the card");
  protocol_ = active == SCARD_PROTOCOL_T0 ? Protocol::T0 : Protocol::T1;
}

}  // namespace hcbridge::pcsc
