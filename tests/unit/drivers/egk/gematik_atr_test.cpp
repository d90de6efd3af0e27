// The ATR rows the eGK and HBA drivers share and the rule behind them
// (docs/cards-german.md "Recognising the cards"): what each accepts and refuses.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>

#include "egk_driver.hpp"
#include "gematik_card.hpp"
#include "german_test_support.hpp"
#include "hba_driver.hpp"
#include "hcbridge/atr.hpp"
#include "hcbridge_test/gematik_images.hpp"

namespace hcbridge::testing {
namespace {

using drivers::gematik::atrRows;

class GematikAtrImages : public GematikImagesTest<> {};

// Appends the TCK that makes T0 ^ ... ^ TCK zero.
Bytes withTck(Bytes atr) {
  std::uint8_t tck = 0;
  for (std::size_t i = 1; i < atr.size(); ++i) tck = static_cast<std::uint8_t>(tck ^ atr[i]);
  atr.push_back(tck);
  return atr;
}

// Both drivers answer the same for every ATR.
AtrMatch answerOfBoth(const Bytes& atr) {
  const AtrMatch egk = drivers::makeEgkDriver()->matchAtr(atr);
  EXPECT_EQ(drivers::makeHbaDriver()->matchAtr(atr), egk) << toHex(atr, " ");
  return egk;
}

// Every row is one exact ATR inside the rule (well formed, no historical
// bytes, T=1 offered), so the rows accept nothing the rule refuses.
TEST(GematikAtr, EveryRowIsAnExactAtrInsideTheRule) {
  ASSERT_EQ(atrRows().size(), 5u);
  for (const atr::MaskedAtr& row : atrRows()) {
    SCOPED_TRACE(std::string(row.product));
    EXPECT_TRUE(row.mask.empty());
    EXPECT_FALSE(row.source.empty());
    const Bytes value = fromHex(row.value);
    const atr::Atr parsed = atr::parse(value);
    EXPECT_TRUE(parsed.historical.empty());
    EXPECT_NE(std::find(parsed.protocols.begin(), parsed.protocols.end(), 1),
              parsed.protocols.end());
    EXPECT_TRUE(parsed.hasTck);
    EXPECT_EQ(answerOfBoth(value), AtrMatch::Maybe);
  }
}

// The cold and warm ATR of each published image is a row naming its card,
// the cold one is what the simulator answers, and every row is used.
TEST_F(GematikAtrImages, EveryImageAtrIsARow) {
  struct Expected {
    const char* image;
    const char* cold;
    const char* warm;
  };
  const Expected images[] = {
      {kEgkEcc, "eGK G2.1 (cold reset)", "eGK G2.1 (warm reset)"},
      {kEgkGuD, "eGK G2.1 (cold reset)", "eGK G2.1 (warm reset)"},
      {kEgk17222, "eGK G2 or HBA G2 (cold reset)", "eGK G2, HBA G2 or HBA G2.1 (warm reset)"},
      {kEgk17333, "eGK G2 or HBA G2 (cold reset)", "eGK G2, HBA G2 or HBA G2.1 (warm reset)"},
      {kEgk218486, "eGK G2 (E021D) or HBA G2.1 (cold reset)",
       "eGK G2, HBA G2 or HBA G2.1 (warm reset)"},
      {kHbaG2, "eGK G2 or HBA G2 (cold reset)", "eGK G2, HBA G2 or HBA G2.1 (warm reset)"},
      {kHbaG21, "eGK G2 (E021D) or HBA G2.1 (cold reset)",
       "eGK G2, HBA G2 or HBA G2.1 (warm reset)"},
  };
  std::set<std::string> used;
  for (const Expected& image : images) {
    SCOPED_TRACE(image.image);
    const Bytes cold = imageAtr(image.image, "coldAnswerToReset");
    const Bytes warm = imageAtr(image.image, "warmAnswerToReset");
    EXPECT_EQ(gematikImage(image.image).atr, cold);
    for (const auto& [atr, product] : {std::pair{cold, image.cold}, std::pair{warm, image.warm}}) {
      const atr::MaskedAtr* row = atr::findMatch(atr, atrRows());
      ASSERT_NE(row, nullptr) << toHex(atr, " ");
      EXPECT_EQ(row->product, product);
      EXPECT_NE(row->source.find(image.image, 0, std::string_view(image.image).size() - 4),
                std::string_view::npos);  // the source names the image (without ".xml")
      EXPECT_EQ(answerOfBoth(atr), AtrMatch::Maybe);
      used.insert(std::string(row->value));
    }
  }
  EXPECT_EQ(used.size(), atrRows().size());
}

// The rule beyond the rows: other well-formed ATRs without historical bytes
// that offer T=1 are still Maybe.
TEST(GematikAtr, OtherAtrsOfTheRuleAreStillMaybe) {
  const Bytes accepted[] = {
      fromHex("3B 80 01 81"),                                // the shortest: TD1 (T=1), TCK
      withTck(fromHex("3B 90 11 81 B1 FE 45 1F 03")),        // a G2 layout with another TA1
      withTck(fromHex("3B D0 18 FF 81 B1 FE 45 1F 03")),     // a G2.1 layout with another TA1
      withTck(fromHex("3B 80 80 01")),                       // T=0 and T=1 offered
      withTck(fromHex("3F 80 01")),                          // inverse convention
      withTck(fromHex("3B F0 11 00 FF 81 B1 FE 45 1F 03")),  // TA1 TB1 TC1
  };
  for (const Bytes& atr : accepted) {
    EXPECT_EQ(atr::findMatch(atr, atrRows()), nullptr) << toHex(atr, " ");
    EXPECT_EQ(answerOfBoth(atr), AtrMatch::Maybe) << toHex(atr, " ");
  }
}

// Everything else is No: malformed ATRs, historical bytes, T=0 only.
TEST(GematikAtr, EverythingElseIsNo) {
  const Bytes refused[] = {
      {},
      fromHex("3B"),
      fromHex("3B D0 96 FF 81 B1 FE 45 1F 03 2F"),     // a row's ATR with a wrong TCK
      fromHex("3B D0 96 FF 81 B1 FE 45 1F 03"),        // ... without its TCK
      fromHex("3B D0 96 FF 81 B1 FE 45 1F 03 2E 00"),  // ... with a byte after the TCK
      fromHex("3C 80 01 81"),                          // TS neither 3B nor 3F
      withTck(fromHex("3B 81 01 80")),                 // T=1 with a historical byte
      // CPS4: T=0 and T=1, historical bytes; Carte Vitale: T=0, historical bytes.
      fromHex("3B 9B 18 80 01 00 12 25 00 64 80 04 01 00 00 90 44"),
      fromHex("3B 75 13 00 00 45 09 EA 90 00"),
      fromHex("3B 00"),                 // T=0 only, no historical bytes
      fromHex("3B 10 96"),              // likewise, with TA1
      withTck(fromHex("3B 80 80 02")),  // T=0 and T=2, no T=1
  };
  for (const Bytes& atr : refused) {
    EXPECT_EQ(atr::findMatch(atr, atrRows()), nullptr) << toHex(atr, " ");
    EXPECT_EQ(answerOfBoth(atr), AtrMatch::No) << toHex(atr, " ");
  }
}

}  // namespace
}  // namespace hcbridge::testing
