// A card connection through PC/SC.
#pragma once

#include <winscard.h>

#include <memory>

#include "hcbridge/transport.hpp"
#include "pcsc_context.hpp"

namespace hcbridge::pcsc {

class PcscConnection : public CardConnection {
 public:
  // Throws Error(ReaderNotFound | CardAbsent | ReaderBusy | CardUnresponsive).
  PcscConnection(std::shared_ptr<Context> context, const std::string& reader, ShareMode mode);
  ~PcscConnection() override;

  const std::string& readerName() const override { return reader_; }
  const Bytes& atr() const override { return atr_; }
  Protocol protocol() const override { return protocol_; }
  bool extendedLengthSupported() const override { return extendedLength_; }

  apdu::ResponseApdu transmit(const apdu::CommandApdu& command) override;
  Bytes transmitRaw(ByteView command) override;
  void beginTransaction() override;
  void endTransaction() noexcept override;
  void resetCard() override;

 private:
  // Turns a failed PC/SC call into the most precise error: after a transport
  // failure, asks the reader whether the card is still there.
  [[noreturn]] void fail(LONG rv, std::string_view operation);
  bool readerAcceptsExtendedLength() const;
  // After a failed exchange: whether the card has left the reader.
  bool cardLeft() const;
  // Codes a card gives when it does not answer, or when it is being pulled.
  static bool isUnresponsive(LONG rv);
  // How long cardLeft() waits for each state change of a lazy driver.
  static constexpr DWORD kCardLossWaitMs = 600;

  std::shared_ptr<Context> context_;
  DWORD share_ = SCARD_SHARE_SHARED;
  std::string reader_;
  SCARDHANDLE card_ = 0;
  Protocol protocol_ = Protocol::T1;
  Bytes atr_;
  bool extendedLength_ = false;
};

}  // namespace hcbridge::pcsc
