// IAS-ECC behaviours the CPS needs: SELECT by a path that starts with 3F00
// from any DF, and GET DATA (odd INS CB) on a PIN's CHV object.
#include <gtest/gtest.h>

#include "sim_test_support.hpp"

namespace hcbridge::sim::testing {
namespace {

TEST(CardIas, PathWithMfSelectsFromTheMfWhateverTheCurrentDf) {
  auto card = genericCard();
  EXPECT_EQ(sw(*card, "00 A4 04 0C 08 F0 48 43 42 54 45 53 54"), 0x9000);  // into DF01
  // P1 09 (path from the current DF) with a leading 3F00: absolute.
  EXPECT_EQ(sw(*card, "00 A4 09 0C 04 3F 00 2F 02"), 0x9000);
  EXPECT_EQ(send(*card, "00 B0 00 00 02").data, fromHex("5A 0A"));
  EXPECT_EQ(sw(*card, "00 A4 09 0C 06 3F 00 DF 01 10 01"), 0x9000);
  EXPECT_EQ(sw(*card, "00 A4 09 0C 02 10 02"), 0x9000);  // relative: DF01 is current
  EXPECT_EQ(sw(*card, "00 A4 09 0C 02 3F 00"), 0x9000);  // the MF itself
  EXPECT_EQ(sw(*card, "00 A4 09 0C 02 10 01"), 0x6A82);  // now relative to the MF
  EXPECT_EQ(sw(*card, "00 A4 08 0C 04 DF 01 10 01"), 0x9000);
  EXPECT_EQ(sw(*card, "00 A4 08 0C 06 3F 00 DF 01 10 01"), 0x9000);
}

TEST(CardIas, GetDataOddReadsThePinCounters) {
  auto card = genericCard();
  const char* const query = "00 CB 3F FF 0A 4D 08 70 06 BF 81 01 02 A0 80 00";
  auto reply = send(*card, query);
  EXPECT_EQ(reply.sw, 0x9000);
  EXPECT_EQ(reply.data, fromHex("70 0C BF 81 01 08 A0 06 9A 01 03 9B 01 03"));
  EXPECT_EQ(sw(*card, "00 20 00 01 04 39 39 39 39"), 0x63C2);
  EXPECT_EQ(send(*card, query).data, fromHex("70 0C BF 81 01 08 A0 06 9A 01 03 9B 01 02"));
  // Unknown PIN, other object class, bad P1P2, malformed list, no Le.
  EXPECT_EQ(sw(*card, "00 CB 3F FF 0A 4D 08 70 06 BF 81 07 02 A0 80 00"), 0x6A88);
  EXPECT_EQ(sw(*card, "00 CB 3F FF 0A 4D 08 70 06 BF 90 01 02 A0 80 00"), 0x6A88);
  EXPECT_EQ(sw(*card, "00 CB 00 00 0A 4D 08 70 06 BF 81 01 02 A0 80 00"), 0x6A86);
  EXPECT_EQ(sw(*card, "00 CB 3F FF 0A 4D 09 70 06 BF 81 01 02 A0 80 00"), 0x6A80);
  EXPECT_EQ(sw(*card, "00 CB 3F FF 03 4D 01 70 00"), 0x6A80);
  EXPECT_EQ(sw(*card, "00 CB 3F FF 0A 4D 08 70 06 BF 81 01 02 A0 80"), 0x6700);
  // Le too short: 6Cxx with the real length.
  EXPECT_EQ(sw(*card, "00 CB 3F FF 0A 4D 08 70 06 BF 81 01 02 A0 80 05"), 0x6C0E);
}

TEST(CardIas, GetDataOddUnderT0ComesThroughGetResponse) {
  auto card = genericT0Card();
  EXPECT_EQ(sw(*card, "00 CB 3F FF 0A 4D 08 70 06 BF 81 01 02 A0 80 00"), 0x610E);
  EXPECT_EQ(send(*card, "00 C0 00 00 0E").data,
            fromHex("70 0C BF 81 01 08 A0 06 9A 01 03 9B 01 03"));
}

}  // namespace
}  // namespace hcbridge::sim::testing
