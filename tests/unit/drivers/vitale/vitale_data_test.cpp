// The Vitale parsers on their own: pointer file, data files, PAN.
#include "vitale_data.hpp"

#include <gtest/gtest.h>

#include "hcbridge/bytes.hpp"
#include "hcbridge/tlv.hpp"
#include "hcbridge_test/expect_error.hpp"

namespace hcbridge::drivers::vitale {
namespace {

using testing::expectError;

// A synthetic pointer file as docs/cards-french.md (Carte Vitale 2 "What is read") lays it out.
const char* const kFactSheetPointer =
    "E0 35 A0 25 82 0F 00 01 00 00 D2 50 00 00 02 56 49 54 41 4C 45"
    "82 12 00 02 00 00 D2 50 00 00 02 4D 46 5F 56 49 54 41 4C 45"
    "80 0C 45 46 5F 54 45 53 54 31 00 01 20 02";

// A synthetic beneficiary as docs/cards-french.md (Carte Vitale 2 "What is read") lays it out.
const char* const kFactSheetBeneficiary =
    "65 28 80 04 54 45 53 54 81 05 41 4C 49 43 45 82 08 31 39 37 39 30 33 32 38"
    "93 0F 32 37 39 30 33 35 31 32 31 35 31 38 39 38 39";

tlv::Node prim(tlv::Tag tag, std::string_view hex) {
  return tlv::primitive(tag, fromHex(hex));
}
tlv::Node text(tlv::Tag tag, std::string_view value) {
  return tlv::primitive(tag, Bytes(value.begin(), value.end()));
}
Bytes concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& part : parts) out.insert(out.end(), part.begin(), part.end());
  return out;
}

// E0 { A0 { 82 00 01 00 00 A1 }, <files> }
Bytes pointerWith(std::vector<tlv::Node> files, std::vector<tlv::Node> apps = {}) {
  if (apps.empty()) apps.push_back(prim(0x82, "00 01 00 00 A1"));
  std::vector<tlv::Node> children{tlv::constructed(0xA0, std::move(apps))};
  for (auto& f : files) children.push_back(std::move(f));
  return tlv::encode(tlv::constructed(0xE0, std::move(children)));
}

PointerFile parsePointer(const Bytes& content) {
  return parsePointerFile(content);
}

TEST(VitalePointerFile, ParsesTheFactSheetExample) {
  const PointerFile pointer = parsePointerFile(fromHex(kFactSheetPointer));
  ASSERT_EQ(pointer.applications.size(), 2u);
  EXPECT_EQ(pointer.applications[0].ref, 0x0001);
  EXPECT_EQ(pointer.applications[0].aid, Bytes(std::begin(kVitaleAid), std::end(kVitaleAid)));
  EXPECT_EQ(pointer.applications[1].ref, 0x0002);
  EXPECT_EQ(pointer.applications[1].aid, Bytes(std::begin(kMfVitaleAid), std::end(kMfVitaleAid)));
  ASSERT_EQ(pointer.files.size(), 1u);
  EXPECT_EQ(pointer.files[0].label, "EF_TEST1");
  EXPECT_EQ(pointer.files[0].applicationRef, 0x0001);
  EXPECT_EQ(pointer.files[0].fid, 0x2002);
  ASSERT_NE(pointer.application(2), nullptr);
  EXPECT_EQ(pointer.application(3), nullptr);
}

TEST(VitalePointerFile, SkipsPaddingAndUnknownTags) {
  const PointerFile pointer =
      parsePointerFile(fromHex(std::string(kFactSheetPointer) + "00 00 FF FF 00"));
  EXPECT_EQ(pointer.files.size(), 1u);
  // An unknown tag is ignored; a label byte that is not printable shows as '?'.
  const PointerFile odd =
      parsePointer(pointerWith({prim(0x91, "00"), prim(0x80, "41 01 42 00 01 20 05")}));
  ASSERT_EQ(odd.files.size(), 1u);
  EXPECT_EQ(odd.files[0].label, "A?B");
  EXPECT_EQ(odd.files[0].fid, 0x2005);
}

TEST(VitalePointerFile, RejectsMalformedContent) {
  const Errc bad = Errc::CardDataInvalid;
  expectError([] { parsePointerFile(fromHex("E0 10 A0 00")); }, bad, "EF 2001");  // truncated
  expectError([] { parsePointerFile(fromHex("E0 81")); }, bad, "EF 2001");
  expectError([] { parsePointerFile(fromHex("E1 02 A0 00")); }, bad, "no template E0");
  expectError([] { parsePointerFile(fromHex("E0 02 A1 00")); }, bad, "no application list");
  expectError([] { parsePointerFile({}); }, bad, "no template E0");
  expectError([] { parsePointer(pointerWith({}, {prim(0x82, "00 01 00 00")})); }, bad,
              "shorter than 5");
  expectError([] { parsePointer(pointerWith({prim(0x80, "00 01")})); }, bad, "shorter than 4");
  expectError([] { parsePointer(pointerWith({prim(0x80, "00 02 20 02")})); }, bad, "not listed");
  expectError([] { parsePointer(pointerWith({prim(0x80, "00 01 3F 00")})); }, bad, "reserved");
  expectError([] { parsePointer(pointerWith({prim(0x80, "00 01 FF FF")})); }, bad, "reserved");
  expectError(
      [] {
        parsePointer(pointerWith(
            {}, {prim(0x82, "00 01 00 00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F 10 11")}));
      },
      bad, "longer than 16");
  expectError(
      [] {
        parsePointer(pointerWith({}, {prim(0x82, "00 01 00 00 A1"), prim(0x82, "00 01 00 00 A2")}));
      },
      bad, "listed twice");
}

TEST(VitalePointerFile, LimitsTheNumberOfEntries) {
  std::vector<tlv::Node> files;
  for (int i = 0; i < 33; ++i) files.push_back(prim(0x80, "00 01 20 10"));
  expectError([&] { parsePointer(pointerWith(files)); }, Errc::CardDataInvalid,
              "more than 32 files");
  std::vector<tlv::Node> apps;
  for (int i = 0; i < 17; ++i) {
    apps.push_back(tlv::primitive(0x82, Bytes{0x00, static_cast<std::uint8_t>(i), 0, 0, 0xA1}));
  }
  expectError([&] { parsePointer(pointerWith({}, apps)); }, Errc::CardDataInvalid,
              "more than 16 applications");
}

TEST(VitaleDataFile, ParsesTheFactSheetBeneficiary) {
  VitaleData data;
  parseDataFile(fromHex(kFactSheetBeneficiary), "EF 2002", data);
  ASSERT_EQ(data.beneficiaries.size(), 1u);
  const Person& p = data.beneficiaries[0];
  EXPECT_EQ(p.surname, "TEST");
  EXPECT_EQ(p.givenNames, "ALICE");
  EXPECT_EQ(p.birthDate, "19790328");
  ASSERT_TRUE(p.nir);
  EXPECT_EQ(p.nir->value, "279035121518989");
  EXPECT_TRUE(p.nir->keyValid);
  EXPECT_EQ(p.rank, 1);
  EXPECT_FALSE(p.sex);  // the NIR may be a parent's: the sex is never derived from it
  EXPECT_TRUE(data.invalidNirRanks.empty());
}

TEST(VitaleDataFile, KeepsLunarDatesTrimsTextAndRanksInCardOrder) {
  VitaleData data;
  const Bytes first = tlv::encode(tlv::constructed(
      0x65, {text(0x80, "  NOM-TEST   "), text(0x81, "ANNE"), text(0x82, "20150035"),
             text(0x90, "FR"), text(0x93, "295109912611199")}));
  const Bytes second = tlv::encode(
      tlv::constructed(0x65, {prim(0x80, "43 C9 4C 45 53 54 45 00 00"), text(0x82, "19801399")}));
  parseDataFile(concat({first, fromHex("00 00 FF"), second, fromHex("00 00 00 00")}), "EF 2002",
                data);
  ASSERT_EQ(data.beneficiaries.size(), 2u);
  EXPECT_EQ(data.beneficiaries[0].surname, "NOM-TEST");
  EXPECT_EQ(data.beneficiaries[0].birthDate, "20150035");  // lunar: kept as it is
  ASSERT_TRUE(data.beneficiaries[0].nir);
  EXPECT_FALSE(data.beneficiaries[0].nir->keyValid);
  EXPECT_EQ(data.invalidNirRanks, std::vector<int>{1});
  EXPECT_EQ(data.beneficiaries[1].surname, "C\xC3\x89LESTE");  // Latin-1 É -> UTF-8
  EXPECT_EQ(data.beneficiaries[1].givenNames, "");
  EXPECT_EQ(data.beneficiaries[1].birthDate, "19801399");
  EXPECT_FALSE(data.beneficiaries[1].nir);
  EXPECT_EQ(data.beneficiaries[1].rank, 2);
}

TEST(VitaleDataFile, ReadsTheFirstCardTemplate) {
  VitaleData data;
  parseDataFile(concat({tlv::encode(tlv::constructed(0x66, {text(0x80, "20200115")})),
                        tlv::encode(tlv::constructed(0x66, {text(0x80, "19990101")}))}),
                "EF 2003", data);
  EXPECT_EQ(data.coverageStart, "20200115");
  EXPECT_EQ(data.coverageEnd, "");
  parseDataFile(tlv::encode(tlv::constructed(0x66, {text(0x80, "20010101")})), "EF 2004", data);
  EXPECT_EQ(data.coverageStart, "20200115");
  EXPECT_TRUE(data.beneficiaries.empty());
}

TEST(VitaleDataFile, SkipsFilesThatAreNotTlv) {
  EXPECT_FALSE(isTlvFile({}));
  EXPECT_FALSE(isTlvFile(fromHex("00 65 00")));
  EXPECT_FALSE(isTlvFile(fromHex("04 00 12 34")));
  EXPECT_TRUE(isTlvFile(fromHex("04 01 12")));
  VitaleData data;
  parseDataFile(fromHex("04 00 FF FF 12"), "EF 2004", data);
  parseDataFile(fromHex("00 30 31"), "EF 2005", data);
  EXPECT_TRUE(data.beneficiaries.empty());
}

TEST(VitaleDataFile, RejectsMalformedContentNamingTheFile) {
  const Errc bad = Errc::CardDataInvalid;
  auto parse = [](const Bytes& content) {
    VitaleData data;
    parseDataFile(content, "EF 2002 (EF_BENEF)", data);
  };
  expectError([&] { parse(fromHex("65 30 80 04 54 45 53 54")); }, bad, "EF 2002 (EF_BENEF)");
  expectError([&] { parse(fromHex("65 05 81 03 41 42 43")); }, bad, "no surname");
  expectError(
      [&] {
        parse(tlv::encode(tlv::constructed(0x65, {text(0x80, "A"), text(0x82, "1979032")})));
      },
      bad, "birth date");
  expectError(
      [&] {
        parse(tlv::encode(tlv::constructed(0x65, {text(0x80, "A"), text(0x82, "1979O328")})));
      },
      bad, "birth date");
  expectError([&] { parse(tlv::encode(tlv::constructed(0x65, {prim(0x80, "41 0A 42")}))); }, bad,
              "control character");
  expectError([&] { parse(tlv::encode(tlv::constructed(0x65, {prim(0x80, "41 85 42")}))); }, bad,
              "control character");
  expectError([&] { parse(tlv::encode(tlv::constructed(0x66, {text(0x80, "2020-01-15")}))); }, bad,
              "start of validity");
  expectError([&] { parse(tlv::encode(tlv::constructed(0x66, {text(0x81, "2020011")}))); }, bad,
              "end of validity");
  std::vector<tlv::Node> many;
  Bytes seventeen;
  for (int i = 0; i < 17; ++i) {
    const Bytes one = tlv::encode(tlv::constructed(0x65, {text(0x80, "X")}));
    seventeen.insert(seventeen.end(), one.begin(), one.end());
  }
  expectError([&] { parse(seventeen); }, bad, "more than 16 beneficiaries");
}

TEST(VitalePan, BcdOrHex) {
  EXPECT_EQ(parsePan(fromHex("5A 0A 92 50 00 00 00 00 00 00 10 01")), "92500000000000001001");
  EXPECT_EQ(parsePan(fromHex("5A 05 12 34 56 78 9F 00 00")), "123456789");
  EXPECT_EQ(parsePan(fromHex("01 02 03 FF FF")), "010203");
  EXPECT_EQ(parsePan(fromHex("5A 0A 12")), "5A0A12");  // truncated: shown raw
  EXPECT_EQ(parsePan({}), "");
}

}  // namespace
}  // namespace hcbridge::drivers::vitale
