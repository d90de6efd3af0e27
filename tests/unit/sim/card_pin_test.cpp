// VERIFY, CHANGE REFERENCE DATA, RESET RETRY COUNTER, GET CHALLENGE.
#include "sim_test_support.hpp"

namespace hcbridge::sim::testing {
namespace {

constexpr std::string_view kVerifyRight = "00 20 00 01 04 31 32 33 34";  // "1234"
constexpr std::string_view kVerifyWrong = "00 20 00 01 04 39 39 39 39";  // "9999"
constexpr std::string_view kVerifyStatus = "00 20 00 01";
constexpr std::string_view kPuk = "31 32 33 34 35 36 37 38";  // "12345678"

void blockPin(Card& card) {
  EXPECT_EQ(sw(card, kVerifyWrong), 0x63C2);
  EXPECT_EQ(sw(card, kVerifyWrong), 0x63C1);
  EXPECT_EQ(sw(card, kVerifyWrong), 0x63C0);
  ASSERT_EQ(card.pinTriesLeft(0x01), 0);
}

TEST(SimVerify, StatusQueryReportsTriesLeft) {
  auto card = genericCard();
  EXPECT_EQ(sw(*card, kVerifyStatus), 0x63C3);
}

TEST(SimVerify, WrongPinCountsDown63Cx) {
  auto card = genericCard();
  EXPECT_EQ(sw(*card, kVerifyWrong), 0x63C2);
  EXPECT_EQ(card->pinTriesLeft(0x01), 2);
  EXPECT_EQ(sw(*card, kVerifyStatus), 0x63C2);
  EXPECT_EQ(sw(*card, "00 20 00 01 05 31 32 33 34 35"), 0x63C1);  // wrong length is wrong
}

TEST(SimVerify, RightPinResetsCounterAndVerifies) {
  auto card = genericCard();
  EXPECT_EQ(sw(*card, kVerifyWrong), 0x63C2);
  EXPECT_EQ(sw(*card, kVerifyRight), 0x9000);
  EXPECT_EQ(card->pinTriesLeft(0x01), 3);
  EXPECT_EQ(sw(*card, kVerifyStatus), 0x9000);
}

TEST(SimVerify, WrongPinDropsAnEarlierVerification) {
  auto card = genericCard();
  ASSERT_EQ(sw(*card, kVerifyRight), 0x9000);
  EXPECT_EQ(sw(*card, kVerifyWrong), 0x63C2);
  EXPECT_EQ(sw(*card, kVerifyStatus), 0x63C2);
}

TEST(SimVerify, BlockedPinIs6983EvenWhenRight) {
  auto card = genericCard();
  blockPin(*card);
  EXPECT_EQ(sw(*card, kVerifyRight), 0x6983);
  EXPECT_EQ(sw(*card, kVerifyStatus), 0x6983);
  card->reset();
  EXPECT_EQ(sw(*card, kVerifyRight), 0x6983);  // counters survive a power cycle
}

TEST(SimVerify, UnknownReferenceIs6A88) {
  auto card = genericCard();
  EXPECT_EQ(sw(*card, "00 20 00 02 04 31 32 33 34"), 0x6A88);
  EXPECT_EQ(sw(*card, "00 20 00 81"), 0x6A88);
}

TEST(SimVerify, WrongP1Is6A86) {
  auto card = genericCard();
  EXPECT_EQ(sw(*card, "00 20 01 01 04 31 32 33 34"), 0x6A86);
}

TEST(SimVerify, P1FFResetsTheVerification) {
  auto card = genericCard();
  ASSERT_EQ(sw(*card, kVerifyRight), 0x9000);
  EXPECT_EQ(sw(*card, "00 20 FF 01"), 0x9000);
  EXPECT_EQ(sw(*card, kVerifyStatus), 0x63C3);
}

TEST(SimVerify, Format2PinBlock) {
  const std::string json = R"({
    "name": "format2", "description": "TEST profile with a format 2 PIN",
    "atr": "3B 00", "mf": {},
    "pins": [{"ref": "81", "value": "123456", "format": "format2", "maxTries": 5}]
  })";
  Card card(parseProfile(json));
  EXPECT_EQ(sw(card, "00 20 00 81 08 26 12 34 56 FF FF FF FF"), 0x9000);
  EXPECT_EQ(sw(card, "00 20 00 81 06 31 32 33 34 35 36"), 0x63C4);
}

TEST(SimChangeReferenceData, OldAndNew) {
  auto card = genericCard();
  EXPECT_EQ(sw(*card, "00 24 00 01 0A 31 32 33 34 35 35 35 35 35 35"), 0x9000);  // -> 555555
  EXPECT_EQ(sw(*card, kVerifyStatus), 0x9000);
  card->reset();
  EXPECT_EQ(sw(*card, kVerifyRight), 0x63C2);
  EXPECT_EQ(sw(*card, "00 20 00 01 06 35 35 35 35 35 35"), 0x9000);
}

TEST(SimChangeReferenceData, WrongOldPinCountsAsWrongVerify) {
  auto card = genericCard();
  EXPECT_EQ(sw(*card, "00 24 00 01 08 39 39 39 39 35 35 35 35"), 0x63C2);
  EXPECT_EQ(card->pinTriesLeft(0x01), 2);
  EXPECT_EQ(sw(*card, "00 24 00 01 03 31 32 33"), 0x6700);  // not even the old PIN
}

TEST(SimChangeReferenceData, NewOnlyNeedsVerification) {
  auto card = genericCard();
  EXPECT_EQ(sw(*card, "00 24 01 01 04 35 35 35 35"), 0x6982);
  ASSERT_EQ(sw(*card, kVerifyRight), 0x9000);
  EXPECT_EQ(sw(*card, "00 24 01 01 04 35 35 35 35"), 0x9000);
  card->reset();
  EXPECT_EQ(sw(*card, "00 20 00 01 04 35 35 35 35"), 0x9000);
}

TEST(SimChangeReferenceData, BlockedPinIs6983) {
  auto card = genericCard();
  blockPin(*card);
  EXPECT_EQ(sw(*card, "00 24 00 01 08 31 32 33 34 35 35 35 35"), 0x6983);
}

TEST(SimResetRetryCounter, PukAndNewPin) {
  auto card = genericCard();
  blockPin(*card);
  EXPECT_EQ(sw(*card, "00 2C 00 01 0C " + std::string(kPuk) + " 34 33 32 31"), 0x9000);
  EXPECT_EQ(card->pinTriesLeft(0x01), 3);
  EXPECT_EQ(sw(*card, kVerifyRight), 0x63C2);  // the old PIN is gone
  EXPECT_EQ(sw(*card, "00 20 00 01 04 34 33 32 31"), 0x9000);
}

TEST(SimResetRetryCounter, PukOnlyUnblocks) {
  auto card = genericCard();
  blockPin(*card);
  EXPECT_EQ(sw(*card, "00 2C 01 01 08 " + std::string(kPuk)), 0x9000);
  EXPECT_EQ(sw(*card, kVerifyRight), 0x9000);
}

TEST(SimResetRetryCounter, WrongPukHasItsOwnCounter) {
  auto card = genericCard();
  blockPin(*card);
  EXPECT_EQ(sw(*card, "00 2C 01 01 08 39 39 39 39 39 39 39 39"), 0x63C9);
  EXPECT_EQ(sw(*card, "00 2C 00 01 0C 39 39 39 39 39 39 39 39 31 32 33 34"), 0x63C8);
  EXPECT_EQ(card->pinTriesLeft(0x01), 0);
  for (int i = 7; i >= 1; --i) {
    EXPECT_EQ(sw(*card, "00 2C 01 01 08 39 39 39 39 39 39 39 39"), 0x63C0 | i);
  }
  EXPECT_EQ(sw(*card, "00 2C 01 01 08 39 39 39 39 39 39 39 39"), 0x63C0);
  EXPECT_EQ(sw(*card, "00 2C 01 01 08 " + std::string(kPuk)), 0x6983);  // PUK blocked
}

TEST(SimResetRetryCounter, NewPinOnlyNeedsThePukFirst) {
  auto card = genericCard();
  EXPECT_EQ(sw(*card, "00 2C 02 01 04 34 33 32 31"), 0x6982);
  EXPECT_EQ(sw(*card, "00 2C 03 01"), 0x6982);
  ASSERT_EQ(sw(*card, "00 2C 01 01 08 " + std::string(kPuk)), 0x9000);
  EXPECT_EQ(sw(*card, "00 2C 02 01 04 34 33 32 31"), 0x9000);
  EXPECT_EQ(sw(*card, "00 2C 03 01"), 0x9000);
  EXPECT_EQ(sw(*card, "00 20 00 01 04 34 33 32 31"), 0x9000);
}

TEST(SimResetRetryCounter, Errors) {
  auto card = genericCard();
  EXPECT_EQ(sw(*card, "00 2C 04 01"), 0x6A86);
  EXPECT_EQ(sw(*card, "00 2C 01 07 08 " + std::string(kPuk)), 0x6A88);
  EXPECT_EQ(sw(*card, "00 2C 00 01 08 " + std::string(kPuk)), 0x6700);  // no new PIN
}

TEST(SimGetChallenge, ReturnsNeRandomBytes) {
  auto card = genericCard();
  const Reply first = send(*card, "00 84 00 00 08");
  const Reply second = send(*card, "00 84 00 00 08");
  EXPECT_EQ(first.sw, 0x9000);
  EXPECT_EQ(first.data.size(), 8u);
  EXPECT_NE(first.data, second.data);
  EXPECT_EQ(send(*card, "00 84 00 00 10").data.size(), 16u);
}

TEST(SimGetChallenge, WithoutLeIs6700) {
  auto card = genericCard();
  EXPECT_EQ(sw(*card, "00 84 00 00"), 0x6700);
  EXPECT_EQ(sw(*card, "00 84 01 00 08"), 0x6A86);
}

}  // namespace
}  // namespace hcbridge::sim::testing
