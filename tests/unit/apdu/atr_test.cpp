#include "hcbridge/atr.hpp"

#include <gtest/gtest.h>

#include "expect_error.hpp"

namespace hcbridge::atr {
namespace {

// Appends the TCK that makes T0 ^ ... ^ TCK zero.
Bytes withTck(Bytes atr) {
  std::uint8_t tck = 0;
  for (std::size_t i = 1; i < atr.size(); ++i) tck = static_cast<std::uint8_t>(tck ^ atr[i]);
  atr.push_back(tck);
  return atr;
}

TEST(Atr, GermanEgk) {
  // TA1 TC1 TD1(T=1) TD2(T=1) TA3 TB3 TD3(T=15) TA4, no historical bytes, TCK.
  const Bytes raw = fromHex("3BD096FF81B1FE451F032E");
  const Atr atr = parse(raw);
  EXPECT_EQ(atr.raw, raw);
  EXPECT_FALSE(atr.inverseConvention);
  EXPECT_EQ(atr.protocols, std::vector<int>{1});  // T=15 is not a protocol
  EXPECT_TRUE(atr.historical.empty());
  EXPECT_TRUE(atr.hasTck);
  EXPECT_FALSE(atr.extendedLengthSupported);
}

TEST(Atr, Cps3) {
  const Atr atr = parse(fromHex("3BAC00402A001225006480000310009000"));
  EXPECT_EQ(atr.protocols, std::vector<int>{0});
  EXPECT_EQ(atr.historical, fromHex("001225006480000310009000"));
  EXPECT_FALSE(atr.hasTck);
  EXPECT_FALSE(atr.extendedLengthSupported);
}

TEST(Atr, Vitale) {
  // TA1 TB1 TC1, no TD1: T=0 implied, no TCK.
  const Atr atr = parse(fromHex("3B751300004509EA9000"));
  EXPECT_EQ(atr.protocols, std::vector<int>{0});
  EXPECT_EQ(atr.historical, fromHex("4509EA9000"));
  EXPECT_FALSE(atr.hasTck);
}

TEST(Atr, Cps4OffersT0AndT1) {
  const Atr atr = parse(fromHex("3B9B188001001225006480040100009044"));
  EXPECT_EQ(atr.protocols, (std::vector<int>{0, 1}));
  EXPECT_EQ(atr.historical, fromHex("0012250064800401000090"));
  EXPECT_TRUE(atr.hasTck);
}

TEST(Atr, MinimalAndInverse) {
  const Atr minimal = parse(fromHex("3B00"));
  EXPECT_EQ(minimal.protocols, std::vector<int>{0});
  EXPECT_TRUE(minimal.historical.empty());
  EXPECT_FALSE(minimal.hasTck);

  const Atr inverse = parse(fromHex("3F6525002C09699000"));
  EXPECT_TRUE(inverse.inverseConvention);
  EXPECT_EQ(inverse.protocols, std::vector<int>{0});
  EXPECT_EQ(inverse.historical, fromHex("2C09699000"));
}

TEST(Atr, OptionalTckOfT0Card) {
  // T=0 only: TCK is not required, but a correct one is accepted.
  const Atr atr = parse(withTck(fromHex("3B01AA")));
  EXPECT_TRUE(atr.hasTck);
  EXPECT_EQ(atr.historical, Bytes{0xAA});
  EXPECT_ERRC(parse(fromHex("3B01AA00")), Errc::AtrInvalid);
}

TEST(Atr, ExtendedLengthFromCardCapabilities) {
  // T=1, historical: category 80, compact-TLV 73 (card capabilities) byte 3 = 40.
  const Atr atr = parse(withTck(fromHex("3B8501 80 73 00 00 40")));
  EXPECT_EQ(atr.protocols, std::vector<int>{1});
  EXPECT_TRUE(atr.extendedLengthSupported);
  // Other objects before the capabilities.
  EXPECT_TRUE(parse(withTck(fromHex("3B8701 80 31 C0 73 C0 01 C0"))).extendedLengthSupported);
  // Bit 0x40 clear.
  EXPECT_FALSE(parse(withTck(fromHex("3B8501 80 73 FF FF BF"))).extendedLengthSupported);
  // Capabilities object with only 2 bytes.
  EXPECT_FALSE(parse(withTck(fromHex("3B8401 80 72 FF FF"))).extendedLengthSupported);
  // Object length beyond the historical bytes: ignored, the ATR stays valid.
  EXPECT_FALSE(parse(withTck(fromHex("3B8401 80 75 00 40"))).extendedLengthSupported);
  // Category indicator other than 80.
  EXPECT_FALSE(parse(withTck(fromHex("3B8501 00 73 00 00 40"))).extendedLengthSupported);
}

TEST(Atr, ThirtyThreeBytesAtMost) {
  Bytes raw = fromHex("3BFF 11 00 00 F0 00 00 00 F1 00 00 00 71 00 00 00");
  for (int i = 0; i < 15; ++i) raw.push_back(static_cast<std::uint8_t>(0x40 + i));
  raw = withTck(raw);
  ASSERT_EQ(raw.size(), 33u);
  const Atr atr = parse(raw);
  EXPECT_EQ(atr.protocols, (std::vector<int>{0, 1}));
  EXPECT_EQ(atr.historical.size(), 15u);
  EXPECT_TRUE(atr.hasTck);

  raw.push_back(0x00);
  EXPECT_ERRC(parse(raw), Errc::AtrInvalid);
}

TEST(Atr, Rejections) {
  EXPECT_ERRC(parse(Bytes{}), Errc::AtrInvalid);
  EXPECT_ERRC(parse(Bytes{0x3B}), Errc::AtrInvalid);
  EXPECT_ERRC(parse(fromHex("3C00")), Errc::AtrInvalid);  // bad TS
  EXPECT_ERRC(parse(fromHex("0000")), Errc::AtrInvalid);
  EXPECT_ERRC(parse(fromHex("3B90")), Errc::AtrInvalid);                    // TA1/TD1 missing
  EXPECT_ERRC(parse(fromHex("3B9011")), Errc::AtrInvalid);                  // TD1 missing
  EXPECT_ERRC(parse(fromHex("3B8081")), Errc::AtrInvalid);                  // TD2 missing
  EXPECT_ERRC(parse(fromHex("3B0201")), Errc::AtrInvalid);                  // historical short
  EXPECT_ERRC(parse(fromHex("3B000102")), Errc::AtrInvalid);                // trailing bytes
  EXPECT_ERRC(parse(fromHex("3BD096FF81B1FE451F03")), Errc::AtrInvalid);    // TCK missing
  EXPECT_ERRC(parse(fromHex("3BD096FF81B1FE451F032F")), Errc::AtrInvalid);  // wrong TCK
  EXPECT_ERRC(parse(fromHex("3B9B188001001225006480040100009045")), Errc::AtrInvalid);
  // T=15 (global bytes) alone also requires TCK.
  EXPECT_ERRC(parse(fromHex("3B800F")), Errc::AtrInvalid);
  EXPECT_EQ(parse(withTck(fromHex("3B800F"))).protocols, std::vector<int>{0});
}

TEST(Atr, EveryTruncationIsRejected) {
  const Bytes full = fromHex("3B9B188001001225006480040100009044");
  for (std::size_t n = 0; n < full.size(); ++n) {
    EXPECT_ERRC(parse(ByteView(full.data(), n)), Errc::AtrInvalid);
  }
}

// Masked ATR rows: a 00 mask bit accepts any value, an empty mask is exact.
constexpr MaskedAtr kRows[] = {
    {"3B 75 13 00 00 00 09 0A 90 00", "FF FF FF FF FF 00 FF 0F FF FF", "masked", "test"},
    {"3B 9B 18 80 01 00 12 25 00 64 80 04 01 00 00 90 44", "", "exact", "test"},
};

TEST(MaskedAtr, MaskedBytesAcceptAnyValue) {
  EXPECT_TRUE(matches(fromHex("3B 75 13 00 00 47 09 0A 90 00"), kRows[0]));
  EXPECT_TRUE(matches(fromHex("3B 75 13 00 00 FF 09 FA 90 00"), kRows[0]));
}

TEST(MaskedAtr, KeptBitsMustBeEqual) {
  EXPECT_FALSE(matches(fromHex("3B 75 13 00 00 47 09 0B 90 00"), kRows[0]));  // low nibble
  EXPECT_FALSE(matches(fromHex("3B 75 13 00 00 47 09 0A 90 01"), kRows[0]));
}

TEST(MaskedAtr, LengthMustBeEqual) {
  EXPECT_FALSE(matches(fromHex("3B 75 13 00 00 47 09 0A 90"), kRows[0]));
  EXPECT_FALSE(matches(fromHex("3B 75 13 00 00 47 09 0A 90 00 00"), kRows[0]));
  EXPECT_FALSE(matches(Bytes{}, kRows[0]));
}

TEST(MaskedAtr, EmptyMaskIsExact) {
  EXPECT_TRUE(matches(fromHex("3B 9B 18 80 01 00 12 25 00 64 80 04 01 00 00 90 44"), kRows[1]));
  EXPECT_FALSE(matches(fromHex("3B 9B 18 80 01 00 12 25 00 64 80 04 01 00 00 90 45"), kRows[1]));
}

TEST(MaskedAtr, FindMatchReturnsTheFirstMatchingRow) {
  const MaskedAtr* row =
      findMatch(fromHex("3B 9B 18 80 01 00 12 25 00 64 80 04 01 00 00 90 44"), kRows);
  ASSERT_NE(row, nullptr);
  EXPECT_EQ(row->product, "exact");
  const MaskedAtr twice[] = {
      {"3B 00", "FF 00", "first", "test"},
      {"3B 01", "", "second", "test"},
  };
  ASSERT_NE(findMatch(fromHex("3B 01"), twice), nullptr);
  EXPECT_EQ(findMatch(fromHex("3B 01"), twice)->product, "first");
  EXPECT_EQ(findMatch(fromHex("3B 02 03"), kRows), nullptr);
  EXPECT_EQ(findMatch(fromHex("3B 01"), std::span<const MaskedAtr>{}), nullptr);
}

TEST(MaskedAtr, MalformedRowIsAnInternalError) {
  EXPECT_ERRC(matches(fromHex("3B 00"), MaskedAtr{"3B 00", "FF", "short mask", "test"}),
              Errc::Internal);
  EXPECT_ERRC(matches(fromHex("3B 00"), MaskedAtr{"3B 0", "", "bad hex", "test"}), Errc::Internal);
}

}  // namespace
}  // namespace hcbridge::atr
