#include "hcbridge/bytes.hpp"

#include <gtest/gtest.h>

#include "expect_error.hpp"

namespace hcbridge {
namespace {

TEST(Hex, EncodesUpperCase) {
  EXPECT_EQ(toHex(Bytes{0x3B, 0x8f, 0x00, 0xA0}), "3B8F00A0");
  EXPECT_EQ(toHex(Bytes{0x3B, 0x8f, 0x00}, " "), "3B 8F 00");
  EXPECT_EQ(toHex(Bytes{0x01, 0x02}, ":"), "01:02");
  EXPECT_EQ(toHex(Bytes{}), "");
  EXPECT_EQ(toHex(Bytes{}, " "), "");
  EXPECT_EQ(toHex(Bytes{0xFF}, " "), "FF");
}

TEST(Hex, DecodesWithSeparators) {
  const Bytes expected{0x3B, 0x8F, 0x00, 0xa0};
  EXPECT_EQ(fromHex("3B8F00A0"), expected);
  EXPECT_EQ(fromHex("3b8f00a0"), expected);
  EXPECT_EQ(fromHex("3B 8F 00 A0"), expected);
  EXPECT_EQ(fromHex("3B:8F:00:A0"), expected);
  EXPECT_EQ(fromHex("3B-8F-00-A0"), expected);
  EXPECT_EQ(fromHex("  3B  8F00 A0 "), expected);
  EXPECT_EQ(fromHex(""), Bytes{});
  EXPECT_EQ(fromHex("   "), Bytes{});
}

TEST(Hex, RoundTrip) {
  Bytes all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<std::uint8_t>(i));
  EXPECT_EQ(fromHex(toHex(all)), all);
  EXPECT_EQ(fromHex(toHex(all, " ")), all);
}

TEST(Hex, RejectsMalformed) {
  EXPECT_ERRC(fromHex("3"), Errc::BadRequest);
  EXPECT_ERRC(fromHex("3B8"), Errc::BadRequest);
  EXPECT_ERRC(fromHex("3 B"), Errc::BadRequest);
  EXPECT_ERRC(fromHex("3G"), Errc::BadRequest);
  EXPECT_ERRC(fromHex("0x3B"), Errc::BadRequest);
  EXPECT_ERRC(fromHex("3B;8F"), Errc::BadRequest);
}

}  // namespace
}  // namespace hcbridge
