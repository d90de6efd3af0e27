#include "hcbridge/exchange.hpp"

#include <gtest/gtest.h>

#include <deque>

#include "expect_error.hpp"

namespace hcbridge::apdu {
namespace {

// A card that answers with canned responses in order and records each command.
class ScriptedCard {
 public:
  explicit ScriptedCard(std::initializer_list<Bytes> responses) : responses_(responses) {}

  RawTransmit transmit() {
    return [this](ByteView command) {
      sent.emplace_back(command.begin(), command.end());
      if (responses_.empty()) {
        ADD_FAILURE() << "unexpected command " << toHex(command, " ");
        return Bytes{0x6F, 0x00};
      }
      Bytes response = responses_.front();
      responses_.pop_front();
      return response;
    };
  }

  bool exhausted() const { return responses_.empty(); }

  std::vector<Bytes> sent;

 private:
  std::deque<Bytes> responses_;
};

CommandApdu readBinary(std::optional<std::size_t> ne) {
  CommandApdu c;
  c.cla = 0x00;
  c.ins = 0xB0;
  c.p1 = 0x81;
  c.p2 = 0x00;
  c.ne = ne;
  return c;
}

TEST(Exchange, PlainResponse) {
  ScriptedCard card{fromHex("0102 9000")};
  const ResponseApdu r = exchange(card.transmit(), readBinary(256));
  EXPECT_EQ(r.data, (Bytes{0x01, 0x02}));
  EXPECT_EQ(r.sw, 0x9000);
  ASSERT_EQ(card.sent.size(), 1u);
  EXPECT_EQ(card.sent[0], fromHex("00B0810000"));
}

TEST(Exchange, ErrorStatusIsReturnedNotThrown) {
  ScriptedCard card{fromHex("6A82")};
  const ResponseApdu r = exchange(card.transmit(), readBinary(256));
  EXPECT_TRUE(r.data.empty());
  EXPECT_EQ(r.sw, 0x6A82);
  EXPECT_EQ(card.sent.size(), 1u);
}

TEST(Exchange, WrongLeResendsWithCorrectLe) {
  ScriptedCard card{fromHex("6C05"), fromHex("0102030405 9000")};
  const ResponseApdu r = exchange(card.transmit(), readBinary(256));
  EXPECT_EQ(r.data, fromHex("0102030405"));
  EXPECT_EQ(r.sw, 0x9000);
  ASSERT_EQ(card.sent.size(), 2u);
  EXPECT_EQ(card.sent[0], fromHex("00B0810000"));
  EXPECT_EQ(card.sent[1], fromHex("00B0810005"));
}

TEST(Exchange, WrongLe00MeansNe256AndAddsLeToCase1) {
  CommandApdu c = readBinary(std::nullopt);
  ScriptedCard card{fromHex("6C00"), Bytes(258, 0x00)};
  exchange(card.transmit(), c);
  ASSERT_EQ(card.sent.size(), 2u);
  EXPECT_EQ(card.sent[0], fromHex("00B08100"));
  EXPECT_EQ(card.sent[1], fromHex("00B0810000"));
}

TEST(Exchange, WrongLeKeepsCommandData) {
  CommandApdu c;
  c.cla = 0x00;
  c.ins = 0xCA;
  c.data = {0xAA, 0xBB};
  c.ne = 10;
  ScriptedCard card{fromHex("6C02"), fromHex("1122 9000")};
  exchange(card.transmit(), c);
  ASSERT_EQ(card.sent.size(), 2u);
  EXPECT_EQ(card.sent[1], fromHex("00CA0000 02 AABB 02"));
}

TEST(Exchange, WrongLeOnlyOnce) {
  ScriptedCard card{fromHex("6C05"), fromHex("6C07")};
  const ResponseApdu r = exchange(card.transmit(), readBinary(256));
  EXPECT_EQ(r.sw, 0x6C07);
  EXPECT_TRUE(r.data.empty());
  EXPECT_EQ(card.sent.size(), 2u);
  EXPECT_TRUE(card.exhausted());
}

TEST(Exchange, GetResponseChain) {
  Bytes last(258, 0xCC);
  last[256] = 0x90;
  last[257] = 0x00;
  ScriptedCard card2{fromHex("0102 6110"), fromHex("AAAA 6103"), fromHex("BBBBBB 6100"), last};
  const ResponseApdu r = exchange(card2.transmit(), readBinary(std::nullopt));
  Bytes expected = fromHex("0102 AAAA BBBBBB");
  expected.insert(expected.end(), 256, 0xCC);
  EXPECT_EQ(r.data, expected);
  EXPECT_EQ(r.sw, 0x9000);
  ASSERT_EQ(card2.sent.size(), 4u);
  EXPECT_EQ(card2.sent[1], fromHex("00C0000010"));
  EXPECT_EQ(card2.sent[2], fromHex("00C0000003"));
  EXPECT_EQ(card2.sent[3], fromHex("00C0000000"));  // 61 00: Le 00 = 256
  EXPECT_TRUE(card2.exhausted());
}

TEST(Exchange, FinalStatusIsTheLastGetResponses) {
  ScriptedCard card{fromHex("6104"), fromHex("01020304 6282")};
  const ResponseApdu r = exchange(card.transmit(), readBinary(256));
  EXPECT_EQ(r.data, fromHex("01020304"));
  EXPECT_EQ(r.sw, 0x6282);
}

TEST(Exchange, GetResponseKeepsLogicalChannelAndClass) {
  for (const auto& [cla, expectedCla] : {std::pair<std::uint8_t, std::uint8_t>{0x03, 0x03},
                                         {0x0C, 0x0C},  // secure messaging indication kept
                                         {0x43, 0x43},  // further interindustry channel
                                         {0x13, 0x03},  // never part of a command chain
                                         {0x80, 0x80},  // proprietary class kept as is
                                         {0x90, 0x90}}) {
    CommandApdu c = readBinary(256);
    c.cla = cla;
    ScriptedCard card{fromHex("6102"), fromHex("0102 9000")};
    exchange(card.transmit(), c);
    ASSERT_EQ(card.sent.size(), 2u);
    EXPECT_EQ(card.sent[1], (Bytes{expectedCla, 0xC0, 0x00, 0x00, 0x02})) << int{cla};
  }
}

TEST(Exchange, WrongLeThenGetResponse) {
  ScriptedCard card{fromHex("6C02"), fromHex("0102 6101"), fromHex("03 9000")};
  const ResponseApdu r = exchange(card.transmit(), readBinary(256));
  EXPECT_EQ(r.data, fromHex("010203"));
  EXPECT_EQ(r.sw, 0x9000);
  ASSERT_EQ(card.sent.size(), 3u);
  EXPECT_EQ(card.sent[1], fromHex("00B0810002"));
  EXPECT_EQ(card.sent[2], fromHex("00C0000001"));
}

TEST(Exchange, ChainCapIsEnforced) {
  ScriptedCard card{fromHex("6104"), fromHex("01020304 6104"), fromHex("05060708 9000")};
  EXPECT_ERRC(exchange(card.transmit(), readBinary(256), 6), Errc::ApduInvalid);
  EXPECT_EQ(card.sent.size(), 3u);

  // Exactly at the cap is fine.
  ScriptedCard exact{fromHex("6104"), fromHex("01020304 6102"), fromHex("0506 9000")};
  EXPECT_EQ(exchange(exact.transmit(), readBinary(256), 6).data, fromHex("010203040506"));

  // Data of the first response counts too.
  ScriptedCard first{fromHex("01020304 6103"), fromHex("050607 9000")};
  EXPECT_ERRC(exchange(first.transmit(), readBinary(256), 6), Errc::ApduInvalid);
}

TEST(Exchange, EndlessChainWithoutDataIsAborted) {
  ScriptedCard card{fromHex("6110"), fromHex("6110")};
  EXPECT_ERRC(exchange(card.transmit(), readBinary(256)), Errc::ApduInvalid);
  EXPECT_EQ(card.sent.size(), 2u);
}

TEST(Exchange, TruncatedResponses) {
  ScriptedCard empty{Bytes{}};
  EXPECT_ERRC(exchange(empty.transmit(), readBinary(256)), Errc::ApduInvalid);
  ScriptedCard one{Bytes{0x90}};
  EXPECT_ERRC(exchange(one.transmit(), readBinary(256)), Errc::ApduInvalid);
  ScriptedCard afterWrongLe{fromHex("6C05"), Bytes{0x90}};
  EXPECT_ERRC(exchange(afterWrongLe.transmit(), readBinary(256)), Errc::ApduInvalid);
  ScriptedCard inChain{fromHex("6105"), Bytes{}};
  EXPECT_ERRC(exchange(inChain.transmit(), readBinary(256)), Errc::ApduInvalid);
}

TEST(Exchange, InvalidCommandIsNotSent) {
  ScriptedCard card{};
  EXPECT_ERRC(exchange(card.transmit(), readBinary(0)), Errc::ApduInvalid);
  EXPECT_TRUE(card.sent.empty());
}

}  // namespace
}  // namespace hcbridge::apdu
