#include <gtest/gtest.h>

#include <cctype>

#include "hcbridge/apdu.hpp"

namespace hcbridge::apdu {
namespace {

TEST(StatusWordName, NamesExactStatusWords) {
  const std::pair<std::uint16_t, const char*> expected[] = {
      {0x9000, "success"},
      {0x6281, "warning: part of returned data may be corrupted"},
      {0x6282, "end of file or record reached before reading Le bytes"},
      {0x6283, "warning: selected file deactivated"},
      {0x6284, "warning: file control information not formatted according to ISO 7816-4"},
      {0x6300, "warning: no information given, non-volatile memory changed"},
      {0x6400, "execution error: no information given, non-volatile memory unchanged"},
      {0x6581, "execution error: memory failure"},
      {0x6700, "wrong length"},
      {0x6881, "logical channel not supported"},
      {0x6882, "secure messaging not supported"},
      {0x6982, "security status not satisfied"},
      {0x6983, "authentication method blocked"},
      {0x6984, "reference data not usable"},
      {0x6985, "conditions of use not satisfied"},
      {0x6986, "command not allowed (no current EF)"},
      {0x6A80, "incorrect parameters in the command data field"},
      {0x6A81, "function not supported"},
      {0x6A82, "file or application not found"},
      {0x6A83, "record not found"},
      {0x6A84, "not enough memory space in the file"},
      {0x6A86, "incorrect parameters P1-P2"},
      {0x6A88, "referenced data or reference data not found"},
      {0x6B00, "wrong parameters P1-P2 (offset outside the EF)"},
      {0x6D00, "instruction code not supported or invalid"},
      {0x6E00, "class not supported"},
      {0x6F00, "no precise diagnosis"},
  };
  for (const auto& [sw, name] : expected) EXPECT_EQ(statusWordName(sw), name) << std::hex << sw;
}

TEST(StatusWordName, NamesCountingStatusWords) {
  EXPECT_EQ(statusWordName(0x6110), "16 more bytes available");
  EXPECT_EQ(statusWordName(0x6101), "1 more byte available");
  EXPECT_EQ(statusWordName(0x6100), "256 more bytes available");
  EXPECT_EQ(statusWordName(0x6C10), "wrong Le: 16 bytes available");
  EXPECT_EQ(statusWordName(0x6C01), "wrong Le: 1 byte available");
  EXPECT_EQ(statusWordName(0x6C00), "wrong Le: 256 bytes available");
  EXPECT_EQ(statusWordName(0x63C2), "verification failed, 2 tries left");
  EXPECT_EQ(statusWordName(0x63C1), "verification failed, 1 try left");
  EXPECT_EQ(statusWordName(0x63C0), "verification failed, 0 tries left");
  EXPECT_EQ(statusWordName(0x63CF), "verification failed, 15 tries left");
  EXPECT_EQ(statusWordName(0x9F20), "32 response bytes available");
}

TEST(StatusWordName, FallsBackToTheClass) {
  EXPECT_EQ(statusWordName(0x6202), "triggering by the card");
  EXPECT_EQ(statusWordName(0x6480), "triggering by the card");
  EXPECT_EQ(statusWordName(0x62F0), "warning: non-volatile memory unchanged");
  EXPECT_EQ(statusWordName(0x6312), "warning: non-volatile memory changed");
  EXPECT_EQ(statusWordName(0x6599), "execution error: non-volatile memory changed");
  EXPECT_EQ(statusWordName(0x6612), "security-related issue");
  EXPECT_EQ(statusWordName(0x6999), "command not allowed");
  EXPECT_EQ(statusWordName(0x6A99), "wrong parameters P1-P2");
  EXPECT_EQ(statusWordName(0x6F12), "no precise diagnosis");
}

TEST(StatusWordName, UnknownStatusWords) {
  EXPECT_EQ(statusWordName(0x0000), "unknown status word 0000");
  EXPECT_EQ(statusWordName(0x6000), "unknown status word 6000");
  EXPECT_EQ(statusWordName(0x9001), "unknown status word 9001");
  EXPECT_EQ(statusWordName(0xABCD), "unknown status word ABCD");
}

TEST(StatusWordName, NeverEmptyNeverStartsWithHex) {
  for (unsigned sw = 0; sw <= 0xFFFF; ++sw) {
    const std::string name = statusWordName(static_cast<std::uint16_t>(sw));
    ASSERT_FALSE(name.empty()) << sw;
    // Names start with a word (or a count), never with the SW's own hex digits.
    const bool countFirst = std::isdigit(static_cast<unsigned char>(name[0])) != 0;
    if (countFirst) {
      const unsigned sw1 = sw >> 8;
      EXPECT_TRUE(sw1 == 0x61 || sw1 == 0x9F) << std::hex << sw << ": " << name;
    }
  }
}

}  // namespace
}  // namespace hcbridge::apdu
