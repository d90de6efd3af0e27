// NIR key rule and every test vector of the NIR key rule (docs/cards-french.md, Carte Vitale 2
// "What is read").
#include "nir.hpp"

#include <gtest/gtest.h>

namespace hcbridge::drivers::nir {
namespace {

TEST(Nir, ValidVectors) {
  EXPECT_EQ(check("295109912611193"), Check::Valid);  // born abroad (99)
  EXPECT_EQ(check("253072A07300443"), Check::Valid);  // Corsica 2A
  EXPECT_EQ(check("253072B07300470"), Check::Valid);  // Corsica 2B
  EXPECT_EQ(check("279035121518989"), Check::Valid);  // DMP test INS
  EXPECT_TRUE(isValid("279035121518989"));
}

TEST(Nir, ComputedKeys) {
  EXPECT_EQ(computeKey("1000000000047"), 97);  // number = 0 mod 97
  EXPECT_EQ(computeKey("1800175123456"), 60);
  EXPECT_EQ(computeKey("2690199999999"), 44);
  EXPECT_EQ(computeKey("2951099126111"), 93);
  EXPECT_EQ(computeKey("2880912345678"), 94);
  EXPECT_EQ(computeKey("253072A073004"), 43);
  EXPECT_EQ(computeKey("253072B073004"), 70);
  EXPECT_EQ(check("100000000004797"), Check::Valid);
  EXPECT_EQ(check("180017512345660"), Check::Valid);
  EXPECT_EQ(check("269019999999944"), Check::Valid);
}

TEST(Nir, InvalidKeys) {
  EXPECT_EQ(check("295109912611199"), Check::InvalidKey);  // expected 93
  EXPECT_EQ(check("288091234567823"), Check::InvalidKey);  // public HL7 sample, expected 94
  EXPECT_FALSE(isValid("288091234567823"));
}

TEST(Nir, InvalidFormat) {
  EXPECT_EQ(check("253072C07300443"), Check::InvalidFormat);  // 2C is no département
  EXPECT_EQ(computeKey("253072C073004"), std::nullopt);
  EXPECT_EQ(check("2790351215189AB"), Check::InvalidFormat);  // key not digits
  EXPECT_EQ(check("27903512151X989"), Check::InvalidFormat);
  EXPECT_EQ(check("2A9035121518989"), Check::InvalidFormat);  // 2A only at positions 6-7
  EXPECT_EQ(computeKey("12345"), std::nullopt);
}

TEST(Nir, InvalidLength) {
  EXPECT_EQ(check("2951099126111"), Check::InvalidLength);     // 13
  EXPECT_EQ(check("6546546546546703"), Check::InvalidLength);  // 16
  EXPECT_EQ(check(""), Check::InvalidLength);
}

TEST(Nir, AcceptsSpacesDotsAndLowerCase) {
  EXPECT_EQ(normalize("2 53 07 2a 073 004 43"), "253072A07300443");
  EXPECT_EQ(check("2 79 03 51 215 189 89"), Check::Valid);
  EXPECT_EQ(check("2.53.07.2b.073.004.70"), Check::Valid);
}

}  // namespace
}  // namespace hcbridge::drivers::nir
