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
  // Counters, then the CHV's access conditions (change, verify, reset: always; put: never).
  EXPECT_EQ(reply.data, fromHex("70 16 BF 81 01 12 A0 10 9A 01 03 9B 01 03 A1 08 8C 06 73 00 00 "
                                "00 FF 00"));
  EXPECT_EQ(sw(*card, "00 20 00 01 04 39 39 39 39"), 0x63C2);
  EXPECT_EQ(send(*card, query).data, fromHex("70 16 BF 81 01 12 A0 10 9A 01 03 9B 01 02 A1 08 "
                                             "8C 06 73 00 00 00 FF 00"));
  // Unknown PIN, other object class, bad P1P2, malformed list, no Le.
  EXPECT_EQ(sw(*card, "00 CB 3F FF 0A 4D 08 70 06 BF 81 07 02 A0 80 00"), 0x6A88);
  EXPECT_EQ(sw(*card, "00 CB 3F FF 0A 4D 08 70 06 BF 90 01 02 A0 80 00"), 0x6A88);
  EXPECT_EQ(sw(*card, "00 CB 00 00 0A 4D 08 70 06 BF 81 01 02 A0 80 00"), 0x6A86);
  EXPECT_EQ(sw(*card, "00 CB 3F FF 0A 4D 09 70 06 BF 81 01 02 A0 80 00"), 0x6A80);
  EXPECT_EQ(sw(*card, "00 CB 3F FF 03 4D 01 70 00"), 0x6A80);
  EXPECT_EQ(sw(*card, "00 CB 3F FF 0A 4D 08 70 06 BF 81 01 02 A0 80"), 0x6700);
  // Le too short: 6Cxx with the real length.
  EXPECT_EQ(sw(*card, "00 CB 3F FF 0A 4D 08 70 06 BF 81 01 02 A0 80 05"), 0x6C18);
}

TEST(CardIas, GetDataOddReadsThePinLengths) {
  auto card = genericCard();
  // 7F41: the CHV's public data, maximum (80) and minimum (81) length.
  auto reply = send(*card, "00 CB 3F FF 0B 4D 09 70 07 BF 81 01 03 7F 41 80 00");
  EXPECT_EQ(reply.sw, 0x9000);
  EXPECT_EQ(reply.data, fromHex("70 0D BF 81 01 09 7F 41 06 80 01 0C 81 01 04"));
  // A list cut inside a two-byte tag.
  EXPECT_EQ(sw(*card, "00 CB 3F FF 09 4D 07 70 05 BF 81 01 01 7F 00"), 0x6A80);
}

TEST(CardIas, GetDataOddDescribesAnRsaKey) {
  auto card = genericCard();
  // BF 90 02: the local RSA key 2, i.e. key 82: its size in bytes (80) and its
  // access conditions (sign and authenticate after PIN 01, no decipher).
  auto reply = send(*card, "00 CB 3F FF 0A 4D 08 70 06 BF 90 02 02 A0 80 00");
  EXPECT_EQ(reply.sw, 0x9000);
  EXPECT_EQ(reply.data, fromHex("70 15 BF 90 02 11 A0 0F 80 02 01 00 A1 09 8C 07 7B 11 11 FF FF "
                                "FF 00"));
  // The key's own data is never readable: 6A86, which OpenSC takes as "no public data".
  EXPECT_EQ(sw(*card, "00 CB 3F FF 0B 4D 09 70 07 BF 90 02 03 7F 48 80 00"), 0x6A86);
}

TEST(CardIas, FcpCarriesTheSecurityAttributes) {
  auto card = genericCard();
  // EF 1003 (read and update after PIN 01) and EF 1004 (never) in DF01.
  auto fcp = send(*card, "00 A4 09 04 06 3F 00 DF 01 10 03 00");
  ASSERT_EQ(fcp.sw, 0x9000);
  EXPECT_NE(toHex(fcp.data, " ").find("A1 09 8C 07 7B FF FF FF FF 11 11"), std::string::npos)
      << toHex(fcp.data, " ");
  fcp = send(*card, "00 A4 09 04 06 3F 00 DF 01 10 04 00");
  EXPECT_NE(toHex(fcp.data, " ").find("8C 07 7B FF FF FF FF FF FF"), std::string::npos)
      << toHex(fcp.data, " ");
}

TEST(CardIas, GetDataOddUnderT0ComesThroughGetResponse) {
  auto card = genericT0Card();
  EXPECT_EQ(sw(*card, "00 CB 3F FF 0A 4D 08 70 06 BF 81 01 02 A0 80 00"), 0x6118);
  EXPECT_EQ(send(*card, "00 C0 00 00 18").sw, 0x9000);
  // T=0 carries no Le in a command with data: the answer comes all the same.
  EXPECT_EQ(sw(*card, "00 CB 3F FF 0A 4D 08 70 06 BF 81 01 02 A0 80"), 0x6118);
  EXPECT_EQ(send(*card, "00 C0 00 00 18").data,
            fromHex("70 16 BF 81 01 12 A0 10 9A 01 03 9B 01 03 A1 08 8C 06 73 00 00 00 FF 00"));
}

}  // namespace
}  // namespace hcbridge::sim::testing
