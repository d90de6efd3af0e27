// Status word -> error: the texts, codes and hints every driver shares.
#include "card_status.hpp"

#include <gtest/gtest.h>

#include "card_io.hpp"
#include "hcbridge/error.hpp"

namespace hcbridge::drivers {
namespace {

TEST(CardStatus, UnexpectedStatusNamesTheStepAndTheStatusWord) {
  try {
    throwUnexpectedStatus("EF 2001", 0x6A82);
    FAIL();
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), Errc::CardDataInvalid);
    EXPECT_STREQ(error.what(), "EF 2001: the card answered 6A82 (file or application not found)");
    EXPECT_EQ(error.hint(), kCardContentHint);
  }
  try {
    throwUnexpectedStatus("DF.ESIGN", 0x6982, "card hint", "SELECT");
    FAIL();
  } catch (const Error& error) {
    EXPECT_STREQ(error.what(), "DF.ESIGN: SELECT answered 6982 (security status not satisfied)");
    EXPECT_EQ(error.hint(), "card hint");
  }
}

TEST(CardStatus, CardDataInvalid) {
  try {
    throwCardDataInvalid("EF.GDO", "the file is empty", "hint");
    FAIL();
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), Errc::CardDataInvalid);
    EXPECT_STREQ(error.what(), "EF.GDO: the file is empty");
    EXPECT_EQ(error.hint(), "hint");
  }
}

TEST(CardStatus, VerifyMessagesAndHints) {
  try {
    checkVerifyStatus(0x63C2);
    FAIL();
  } catch (const PinError& error) {
    EXPECT_STREQ(error.what(), "Wrong PIN: 2 tries left");
    EXPECT_TRUE(error.hint().empty());
  }
  try {
    checkVerifyStatus(0x63C0);
    FAIL();
  } catch (const PinError& error) {
    EXPECT_STREQ(error.what(), "The PIN is now blocked");
    EXPECT_EQ(error.hint(), "Unblock the card with its PUK (card issuer's procedure).");
  }
  try {
    checkVerifyStatus(0x6A88);
    FAIL();
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), Errc::CardDataInvalid);
    EXPECT_STREQ(error.what(),
                 "VERIFY: the card answered 6A88 (referenced data or reference data not found)");
  }
}

TEST(CardStatus, RetryCounter) {
  PinStatus verified;
  verified.maxTries = 3;
  EXPECT_TRUE(readRetryCounter(0x9000, verified));
  EXPECT_TRUE(verified.verified);
  EXPECT_EQ(verified.triesLeft, 3);

  PinStatus two;
  two.maxTries = 3;
  EXPECT_TRUE(readRetryCounter(0x63C2, two));
  EXPECT_FALSE(two.verified);
  EXPECT_FALSE(two.blocked);
  EXPECT_EQ(two.triesLeft, 2);

  for (const std::uint16_t sw : {std::uint16_t{0x63C0}, std::uint16_t{0x6983}}) {
    PinStatus blocked;
    blocked.maxTries = 3;
    EXPECT_TRUE(readRetryCounter(sw, blocked));
    EXPECT_TRUE(blocked.blocked);
    EXPECT_EQ(blocked.triesLeft, 0);
  }

  PinStatus other;
  EXPECT_FALSE(readRetryCounter(0x62C1, other));
  EXPECT_FALSE(readRetryCounter(0x6A88, other));
  EXPECT_FALSE(other.verified || other.blocked);
}

TEST(CardStatus, PinRequired) {
  EXPECT_NO_THROW(throwIfPinRequired(0x9000, "m", "h"));
  EXPECT_NO_THROW(throwIfPinRequired(0x6985, "m", "h"));
  try {
    throwIfPinRequired(0x6982, "The PIN must be verified before signing", "Verify it.");
    FAIL();
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), Errc::PinRequired);
    EXPECT_STREQ(error.what(), "The PIN must be verified before signing");
    EXPECT_EQ(error.hint(), "Verify it.");
  }
}

TEST(CardStatus, KeyUnavailable) {
  for (const int sw : {0x6A80, 0x6A81, 0x6A88}) {
    EXPECT_TRUE(isKeyUnavailable(static_cast<std::uint16_t>(sw))) << sw;
  }
  for (const int sw : {0x9000, 0x6982, 0x6A82}) {
    EXPECT_FALSE(isKeyUnavailable(static_cast<std::uint16_t>(sw))) << sw;
  }
}

TEST(CardStatus, Sha256DigestInfo) {
  const Bytes hash(32, 0xAB);
  const Bytes info = sha256DigestInfo(hash);
  ASSERT_EQ(info.size(), 51u);
  EXPECT_EQ(toHex(ByteView(info).first(19)), "3031300D060960864801650304020105000420");
  EXPECT_EQ(Bytes(info.begin() + 19, info.end()), hash);
  EXPECT_THROW(sha256DigestInfo(Bytes(31, 0)), Error);
}

}  // namespace
}  // namespace hcbridge::drivers
