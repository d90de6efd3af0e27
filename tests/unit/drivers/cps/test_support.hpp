// Helpers shared by the CPS driver tests.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "hcbridge/bytes.hpp"
#include "hcbridge/error.hpp"
#include "hcbridge/transport.hpp"
#include "hcbridge_test/expect_error.hpp"

namespace hcbridge::drivers::testing {

using hcbridge::testing::expectError;
// A file of the TEST PKI fixtures (tests/pki/fixtures).
inline Bytes pkiFile(const std::string& name) {
  std::ifstream in(std::string(HCBRIDGE_TEST_PKI_DIR) + "/" + name, std::ios::binary);
  EXPECT_TRUE(in) << name;
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Forwards to a connection and keeps the commands the driver sent.
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

}  // namespace hcbridge::drivers::testing
