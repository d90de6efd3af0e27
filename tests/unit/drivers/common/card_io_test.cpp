// The shared driver helpers against the simulator's generic card.
#include "card_io.hpp"

#include <gtest/gtest.h>

#include "hcbridge/error.hpp"
#include "hcbridge/sim/sim_transport.hpp"

namespace hcbridge::drivers {
namespace {

const std::string kReader = "hcbridge simulated reader 0";

// The generic profile's largest always-readable EF (the multi-chunk one).
struct Fixture : ::testing::Test {
  Fixture() {
    card = std::make_shared<sim::Card>(sim::loadProfile("generic"));
    transport.insertCard(0, card);
    connection = transport.connect(kReader, ShareMode::Shared);
    const sim::Profile profile = sim::loadProfile("generic");
    for (const auto& df : profile.mf.children) {
      if (df.type != sim::FileNode::Type::DF || df.aid.empty()) continue;
      for (const auto& ef : df.children) {
        if (ef.type == sim::FileNode::Type::TransparentEF &&
            ef.read.kind == sim::AccessRule::Kind::Always && ef.data.size() > large.size()) {
          large = ef.data;
          largeFid = *ef.fid;
          largeSfi = ef.sfi;
          aid = df.aid;
        }
      }
    }
  }
  void selectLarge() {
    ASSERT_TRUE(selectAid(*connection, aid, "test DF"));
    sendExpectingSuccess(
        *connection,
        {0x00, 0xA4, 0x02, 0x0C,
         Bytes{static_cast<std::uint8_t>(largeFid >> 8), static_cast<std::uint8_t>(largeFid)},
         std::nullopt},
        "select EF");
  }

  sim::SimTransport transport;
  std::shared_ptr<sim::Card> card;
  std::unique_ptr<CardConnection> connection;
  Bytes aid;
  Bytes large;
  std::uint16_t largeFid = 0;
  std::optional<std::uint8_t> largeSfi;
};

TEST_F(Fixture, ReadsAWholeFileInChunks) {
  ASSERT_GT(large.size(), 256u);
  selectLarge();
  const std::size_t before = card->commandCount();
  EXPECT_EQ(readTransparent(*connection, std::nullopt, "EF large"), large);
  // ceil(size / 256) reads; the last one answers 6282 with the rest.
  EXPECT_EQ(card->commandCount() - before, (large.size() + 255) / 256);
}

TEST_F(Fixture, StopsAtTheDeclaredLength) {
  selectLarge();
  ReadOptions options;
  options.declaredLength = [](ByteView soFar) -> std::optional<std::size_t> {
    return soFar.empty() ? std::nullopt : std::optional<std::size_t>(300);
  };
  const std::size_t before = card->commandCount();
  const Bytes head = readTransparent(*connection, std::nullopt, "EF large", options);
  EXPECT_EQ(head, Bytes(large.begin(), large.begin() + 300));
  EXPECT_EQ(card->commandCount() - before, 2u);  // 256 + 44, nothing beyond
}

TEST_F(Fixture, ADeclaredLengthBeyondTheFileIsInvalidData) {
  selectLarge();
  ReadOptions options;
  options.declaredLength = [&](ByteView) { return std::optional<std::size_t>(large.size() + 10); };
  try {
    readTransparent(*connection, std::nullopt, "EF large", options);
    FAIL();
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), Errc::CardDataInvalid);
    EXPECT_NE(std::string(error.what()).find("EF large"), std::string::npos);
  }
}

TEST_F(Fixture, ADeclaredLengthOverTheCapIsRefusedBeforeReadingOn) {
  selectLarge();
  ReadOptions options;
  options.maxSize = 1000;
  options.declaredLength = [](ByteView) { return std::optional<std::size_t>(50000); };
  EXPECT_THROW(readTransparent(*connection, std::nullopt, "EF large", options), Error);
}

TEST_F(Fixture, ReadingByShortFileIdentifierSelectsTheFile) {
  if (!largeSfi) GTEST_SKIP() << "the generic profile gives this EF no SFI";
  ASSERT_TRUE(selectAid(*connection, aid, "test DF"));
  EXPECT_EQ(readTransparent(*connection, largeSfi, "EF large"), large);
}

TEST_F(Fixture, UnknownAidIsFalseNotAnError) {
  EXPECT_FALSE(selectAid(*connection, Bytes{0xF0, 0x01, 0x02, 0x03, 0x04}, "nothing"));
}

TEST_F(Fixture, AnErrorStatusNamesTheFile) {
  try {
    readTransparent(*connection, std::uint8_t{29}, "EF.Nothing");
    FAIL();
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), Errc::CardDataInvalid);
    EXPECT_NE(std::string(error.what()).find("EF.Nothing"), std::string::npos);
    EXPECT_NE(std::string(error.what()).find("6A82"), std::string::npos);
  }
}

TEST(CardIo, VerifyStatusWords) {
  EXPECT_NO_THROW(checkVerifyStatus(0x9000));
  try {
    checkVerifyStatus(0x63C2);
    FAIL();
  } catch (const PinError& error) {
    EXPECT_EQ(error.code(), Errc::PinIncorrect);
    EXPECT_EQ(error.retriesLeft(), 2);
  }
  try {
    checkVerifyStatus(0x63C1);
    FAIL();
  } catch (const PinError& error) {
    EXPECT_EQ(error.retriesLeft(), 1);
    EXPECT_FALSE(error.hint().empty());
  }
  for (const std::uint16_t blocked : {std::uint16_t{0x6983}, std::uint16_t{0x63C0}}) {
    try {
      checkVerifyStatus(blocked);
      FAIL();
    } catch (const PinError& error) {
      EXPECT_EQ(error.code(), Errc::PinBlocked);
      EXPECT_EQ(error.retriesLeft(), 0);
    }
  }
  EXPECT_THROW(checkVerifyStatus(0x6A88), Error);
}

TEST(CardIo, Format2PinBlock) {
  const SecretBytes six = format2PinBlock(SecretBytes("123456"));
  EXPECT_EQ(Bytes(six.view().begin(), six.view().end()), fromHex("26123456FFFFFFFF"));
  const SecretBytes twelve = format2PinBlock(SecretBytes("123456789012"));
  EXPECT_EQ(Bytes(twelve.view().begin(), twelve.view().end()), fromHex("2C123456789012FF"));
  const SecretBytes odd = format2PinBlock(SecretBytes("12345"));
  EXPECT_EQ(Bytes(odd.view().begin(), odd.view().end()), fromHex("2512345FFFFFFFFF"));
  EXPECT_THROW(format2PinBlock(SecretBytes("123")), Error);
  EXPECT_THROW(format2PinBlock(SecretBytes("1234567890123")), Error);
  EXPECT_THROW(format2PinBlock(SecretBytes("12a4")), Error);
}

TEST(CardIo, BcdDigitsStopAtTheFiller) {
  EXPECT_EQ(bcdToDigits(fromHex("80276883110000095711")), "80276883110000095711");
  EXPECT_EQ(bcdToDigits(fromHex("802500000199213845 0F")), "8025000001992138450");
}

TEST(CardIo, BerObjectLength) {
  EXPECT_EQ(berObjectLength(fromHex("30")), std::nullopt);
  EXPECT_EQ(berObjectLength(fromHex("3003")), 5u);
  EXPECT_EQ(berObjectLength(fromHex("308203")), std::nullopt);
  EXPECT_EQ(berObjectLength(fromHex("30820375")), 4u + 0x375);
  EXPECT_EQ(berObjectLength(fromHex("7F2181FF")), 4u + 0xFF);
  EXPECT_THROW(berObjectLength(fromHex("3080")), Error);
  EXPECT_THROW(berObjectLength(fromHex("3085")), Error);
}

}  // namespace
}  // namespace hcbridge::drivers
