// PKCS#15 ODF/CDF parsing on its own.
#include "cps_pkcs15.hpp"

#include <gtest/gtest.h>

#include "hcbridge/tlv.hpp"
#include "test_support.hpp"

namespace hcbridge::drivers::cps {
namespace {

using testing::expectError;

tlv::Node prim(tlv::Tag tag, std::string_view hex) {
  return tlv::primitive(tag, fromHex(hex));
}
tlv::Node seq(std::vector<tlv::Node> children) {
  return tlv::constructed(0x30, std::move(children));
}
tlv::Node utf8(std::string_view text) {
  return tlv::primitive(0x0C, Bytes(text.begin(), text.end()));
}
tlv::Node pathNode(std::string_view hex) {
  return seq({prim(0x04, hex)});
}
Bytes enc(const tlv::Node& node) {
  return tlv::encode(node);
}
Bytes enc(const std::vector<tlv::Node>& nodes) {
  return tlv::encode(nodes);
}

tlv::Node certEntry(std::string_view label, std::string_view id, tlv::Node value) {
  return seq({seq({utf8(label)}), seq({prim(0x04, id)}),
              tlv::constructed(0xA1, {seq({std::move(value)})})});
}

TEST(CpsOdf, FindsTheCertificateDirectories) {
  const Bytes odf = enc({tlv::constructed(0xA0, {pathNode("3F00 5015 4401")}),
                         tlv::constructed(0xA4, {pathNode("3F00 5015 4404")}),
                         tlv::constructed(0xA4, {pathNode("4405")}),
                         tlv::constructed(0xA8, {pathNode("3F00 5015 4408")})});
  Bytes padded = odf;
  padded.insert(padded.end(), {0x00, 0x00, 0xFF});
  const auto paths = parseOdfCertificateDirectories(padded);
  ASSERT_EQ(paths.size(), 2u);
  EXPECT_EQ(paths[0].path, fromHex("3F00 5015 4404"));
  EXPECT_TRUE(paths[0].absolute());
  EXPECT_EQ(paths[0].text(), "3F00/5015/4404");
  EXPECT_EQ(paths[0].lastFid(), 0x4404);
  EXPECT_FALSE(paths[0].index);
  EXPECT_EQ(paths[1].path, fromHex("4405"));
  EXPECT_FALSE(paths[1].absolute());
}

TEST(CpsOdf, SkipsDirectObjectsAndRejectsGarbage) {
  // objects [0] form: not supported, skipped.
  EXPECT_TRUE(
      parseOdfCertificateDirectories(enc(tlv::constructed(0xA4, {tlv::constructed(0xA0, {})})))
          .empty());
  const Errc bad = Errc::CardDataInvalid;
  expectError([] { parseOdfCertificateDirectories(fromHex("A4 06 30 04 04 02 44")); }, bad, "ODF");
  expectError([] { parseOdfCertificateDirectories(fromHex("A4 00"), "ODF (5031)"); }, bad,
              "ODF (5031): an empty");
  expectError([] { parseOdfCertificateDirectories(enc(tlv::constructed(0xA4, {pathNode("44")}))); },
              bad, "a path of 1 bytes");
  expectError(
      [] {
        parseOdfCertificateDirectories(enc(
            tlv::constructed(0xA4, {pathNode("3F00 0102 0304 0506 0708 090A 0B0C 0D0E 0F10")})));
      },
      bad, "a path of 18 bytes");
  expectError(
      [] {
        parseOdfCertificateDirectories(enc(tlv::constructed(0xA4, {seq({prim(0x02, "01")})})));
      },
      bad, "file IDs is missing");
  std::vector<tlv::Node> many;
  for (int i = 0; i < 5; ++i) many.push_back(tlv::constructed(0xA4, {pathNode("4404")}));
  expectError([&] { parseOdfCertificateDirectories(enc(many)); }, bad, "more than 4");
}

TEST(CpsCdf, ParsesPathAndDirectEntries) {
  const Bytes direct = fromHex("30 03 02 01 05");  // content only matters later
  const Bytes cdf =
      enc({certEntry("Certificat de Signature CPS", "01", pathNode("3F00 5015 4302")),
           certEntry("Certificat d'Authentification CPS", "02",
                     seq({prim(0x04, "4301"), prim(0x02, "0010"), prim(0x80, "01 00")})),
           certEntry("inline", "03", tlv::constructed(0xA0, {prim(0x02, "05")})),
           tlv::constructed(0xA1, {seq({})}),  // an SPKI certificate: skipped
           seq({seq({prim(0x0C, "41 0A 42")}), seq({prim(0x04, "04"), prim(0x01, "FF")}),
                tlv::constructed(0xA1, {seq({pathNode("4303")})})})});
  const auto entries = parseCdf(cdf);
  ASSERT_EQ(entries.size(), 4u);
  EXPECT_EQ(entries[0].label, "Certificat de Signature CPS");
  EXPECT_EQ(entries[0].id, fromHex("01"));
  ASSERT_TRUE(entries[0].path);
  EXPECT_EQ(entries[0].path->path, fromHex("3F00 5015 4302"));
  EXPECT_FALSE(entries[0].authority);
  EXPECT_EQ(entries[1].label, "Certificat d'Authentification CPS");
  EXPECT_EQ(entries[1].path->index, 16u);
  EXPECT_EQ(entries[1].path->length, 256u);
  EXPECT_FALSE(entries[2].path);
  EXPECT_EQ(entries[2].direct, direct);
  EXPECT_EQ(entries[3].label, "A?B");
  EXPECT_TRUE(entries[3].authority);
}

TEST(CpsCdf, RejectsMalformedEntries) {
  const Errc bad = Errc::CardDataInvalid;
  auto parse = [](const tlv::Node& node) { parseCdf(enc(node), "CDF (3F00/5015/4404)"); };
  expectError([&] { parseCdf(fromHex("30 10 30 00")); }, bad, "CDF");
  expectError([&] { parse(seq({seq({utf8("x")})})); }, bad, "lacks its common");
  expectError(
      [&] {
        parse(seq({seq({}), seq({}), tlv::constructed(0xA1, {})}));
      },
      bad, "CDF (3F00/5015/4404): certificate entry 1 iD is missing");
  expectError(
      [&] {
        parse(seq({seq({}), seq({prim(0x04, "01")}), seq({})}));
      },
      bad, "typeAttributes is missing");
  expectError(
      [&] {
        parse(seq({seq({}), seq({prim(0x04, "01")}), tlv::constructed(0xA1, {})}));
      },
      bad, "no certificate attributes");
  expectError([&] { parse(certEntry("x", "01", prim(0x16, "41"))); }, bad,
              "neither a path nor direct");
  expectError([&] { parse(certEntry("x", "01", tlv::constructed(0xA0, {}))); }, bad,
              "empty direct value");
  expectError(
      [&] {
        parse(certEntry("x", "01", seq({prim(0x04, "4301"), prim(0x02, "10")})));
      },
      bad, "index but no length");
  expectError(
      [&] {
        parse(certEntry("x", "01", seq({prim(0x04, "4301"), prim(0x02, "FF"), prim(0x80, "10")})));
      },
      bad, "not a small non-negative integer");
  expectError(
      [&] {
        parse(certEntry("x", "01",
                        seq({prim(0x04, "4301"), prim(0x02, "01 00 00"), prim(0x80, "10")})));
      },
      bad, "index is out of range");
  expectError(
      [&] {
        parse(certEntry("x", "01", seq({prim(0x04, "4301"), prim(0x02, "00"), prim(0x80, "00")})));
      },
      bad, "length 0");
  expectError(
      [&] {
        parse(seq({seq({}), seq({prim(0x04, "01"), prim(0x01, "")}),
                   tlv::constructed(0xA1, {seq({pathNode("4301")})})}));
      },
      bad, "authority flag");
  std::vector<tlv::Node> many;
  for (int i = 0; i < 17; ++i) many.push_back(certEntry("x", "01", pathNode("4301")));
  expectError([&] { parseCdf(enc(many)); }, bad, "more than 16");
}

TEST(CpsPath, SliceChecksTheRange) {
  const Bytes content = fromHex("00 01 02 03 04 05");
  Path whole;
  whole.path = fromHex("4301");
  EXPECT_EQ(sliceByPath(content, whole, "EF"), content);
  Path part = whole;
  part.index = 2;
  part.length = 3;
  EXPECT_EQ(sliceByPath(content, part, "EF"), fromHex("02 03 04"));
  part.length = 5;
  expectError([&] { sliceByPath(content, part, "EF 4301"); }, Errc::CardDataInvalid,
              "EF 4301: the range 2+5 is beyond the file's 6 bytes");
  part.index = 7;
  part.length = 1;
  expectError([&] { sliceByPath(content, part, "EF"); }, Errc::CardDataInvalid, "beyond");
}

}  // namespace
}  // namespace hcbridge::drivers::cps
