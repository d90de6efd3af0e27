// A card connection for driver tests: forwards to another connection and
// keeps, as spaced hex, every command the driver sent.
#pragma once

#include <string>
#include <vector>

#include "hcbridge/bytes.hpp"
#include "hcbridge/transport.hpp"

namespace hcbridge::testing {

class RecordingConnection : public CardConnection {
 public:
  explicit RecordingConnection(CardConnection& inner) : inner_(inner) {}
  const std::string& readerName() const override { return inner_.readerName(); }
  const Bytes& atr() const override { return inner_.atr(); }
  Protocol protocol() const override { return inner_.protocol(); }
  bool extendedLengthSupported() const override { return inner_.extendedLengthSupported(); }
  apdu::ResponseApdu transmit(const apdu::CommandApdu& command) override {
    commands.push_back(toHex(command.encode(), " "));
    return inner_.transmit(command);
  }
  Bytes transmitRaw(ByteView command) override {
    commands.push_back(toHex(command, " "));
    return inner_.transmitRaw(command);
  }
  void beginTransaction() override { inner_.beginTransaction(); }
  void endTransaction() noexcept override { inner_.endTransaction(); }

  std::vector<std::string> commands;

 private:
  CardConnection& inner_;
};

}  // namespace hcbridge::testing
