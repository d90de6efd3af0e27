// The exact bytes the shared sequences send (SELECT, chunked READ BINARY).
#include <gtest/gtest.h>

#include <deque>
#include <string>
#include <vector>

#include "card_io.hpp"
#include "hcbridge/error.hpp"

namespace hcbridge::drivers {
namespace {

// Answers from a script and records every command as hex.
class ScriptedConnection final : public CardConnection {
 public:
  explicit ScriptedConnection(std::deque<apdu::ResponseApdu> answers)
      : answers_(std::move(answers)) {}

  const std::string& readerName() const override { return name_; }
  const Bytes& atr() const override { return atr_; }
  Protocol protocol() const override { return Protocol::T1; }
  bool extendedLengthSupported() const override { return true; }
  apdu::ResponseApdu transmit(const apdu::CommandApdu& command) override {
    sent.push_back(toHex(command.encode(), " "));
    if (answers_.empty()) throw Error(Errc::Internal, "script ended");
    apdu::ResponseApdu answer = answers_.front();
    answers_.pop_front();
    return answer;
  }
  Bytes transmitRaw(ByteView) override { throw Error(Errc::Internal, "not scripted"); }
  void beginTransaction() override {}
  void endTransaction() noexcept override {}

  std::vector<std::string> sent;

 private:
  std::deque<apdu::ResponseApdu> answers_;
  std::string name_ = "scripted";
  Bytes atr_;
};

apdu::ResponseApdu ok(Bytes data = {}) {
  return {std::move(data), 0x9000};
}

TEST(CardIoBytes, SelectAidWithoutAnswerOnTheGivenChannel) {
  ScriptedConnection card({ok(), {{}, 0x6A82}});
  EXPECT_TRUE(selectAid(card, fromHex("D27600014601"), "HBA MF"));
  EXPECT_FALSE(selectAid(card, fromHex("E828BD080F"), "other", 0x01));
  EXPECT_EQ(card.sent, (std::vector<std::string>{"00 A4 04 0C 06 D2 76 00 01 46 01",
                                                 "01 A4 04 0C 05 E8 28 BD 08 0F"}));
}

TEST(CardIoBytes, ReadBySfiThenAtOffsets) {
  ScriptedConnection card({ok(Bytes(231, 0x11)), ok(Bytes(231, 0x22)), ok(Bytes(10, 0x33))});
  ReadOptions options;
  options.chunk = 231;
  const Bytes content = readTransparent(card, std::uint8_t{0x11}, "EF.Version2", options);
  EXPECT_EQ(content.size(), 472u);
  EXPECT_EQ(card.sent,
            (std::vector<std::string>{"00 B0 91 00 E7", "00 B0 00 E7 E7", "00 B0 01 CE E7"}));
}

TEST(CardIoBytes, ReadCurrentEfExtendedWithClassByte) {
  ScriptedConnection card({ok(Bytes(300, 0x44))});
  ReadOptions options;
  options.chunk = apdu::kExtendedMaxNe;
  options.cla = 0x01;
  EXPECT_EQ(readTransparent(card, std::nullopt, "EF", options).size(), 300u);
  EXPECT_EQ(card.sent, (std::vector<std::string>{"01 B0 00 00 00 00 00"}));
}

TEST(CardIoBytes, ReadStopsAtTheDeclaredLength) {
  ScriptedConnection card({ok(fromHex("30 05 01 02")), ok(fromHex("03 04 05"))});
  ReadOptions options;
  options.chunk = 4;
  options.declaredLength = [](ByteView soFar) { return berObjectLength(soFar); };
  EXPECT_EQ(readTransparent(card, std::nullopt, "EF", options), fromHex("30 05 01 02 03 04 05"));
  // The second READ BINARY asks only for the 3 bytes still missing.
  EXPECT_EQ(card.sent, (std::vector<std::string>{"00 B0 00 00 04", "00 B0 00 04 03"}));
}

}  // namespace
}  // namespace hcbridge::drivers
