#include "hcbridge/tlv.hpp"

#include <gtest/gtest.h>

#include "expect_error.hpp"

namespace hcbridge::tlv {
namespace {

void expectSame(const Node& a, const Node& b) {
  EXPECT_EQ(a.tag, b.tag);
  EXPECT_EQ(a.value, b.value);
  ASSERT_EQ(a.children.size(), b.children.size());
  for (std::size_t i = 0; i < a.children.size(); ++i) expectSame(a.children[i], b.children[i]);
}

void expectSame(const std::vector<Node>& a, const std::vector<Node>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) expectSame(a[i], b[i]);
}

Bytes concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// Parses, checks the offset appears in the message, and that the code is TlvInvalid.
void expectInvalid(const Bytes& input, const std::string& offset,
                   const ParseOptions& options = {}) {
  try {
    (void)parse(input, options);
    ADD_FAILURE() << "expected TlvInvalid for " << toHex(input, " ");
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Errc::TlvInvalid) << e.what();
    EXPECT_NE(std::string(e.what()).find("offset " + offset), std::string::npos)
        << e.what() << " (input " << toHex(input, " ") << ")";
  }
}

TEST(Tlv, ParsesPrimitiveSequence) {
  const auto nodes = parse(Bytes{0x5A, 0x02, 0x12, 0x34, 0x50, 0x00, 0x9F, 0x1F, 0x01, 0xAB});
  ASSERT_EQ(nodes.size(), 3u);
  EXPECT_EQ(nodes[0].tag, 0x5Au);
  EXPECT_EQ(nodes[0].value, (Bytes{0x12, 0x34}));
  EXPECT_FALSE(nodes[0].isConstructed());
  EXPECT_EQ(nodes[1].tag, 0x50u);
  EXPECT_TRUE(nodes[1].value.empty());
  EXPECT_EQ(nodes[2].tag, 0x9F1Fu);
  EXPECT_EQ(nodes[2].value, (Bytes{0xAB}));
  EXPECT_TRUE(parse(Bytes{}).empty());
}

TEST(Tlv, ParsesNestedAndMultiByteTags) {
  // CV certificate shape: 7F21 { 7F4E { 5F29 01 42 08 .. } 5F37 signature }.
  const Bytes raw = fromHex(
      "7F21 13"
      "  7F4E 09 5F29 01 70 42 03 44 45 31"
      "  5F37 04 DE AD BE EF");
  const auto nodes = parse(raw);
  ASSERT_EQ(nodes.size(), 1u);
  const Node& cert = nodes[0];
  EXPECT_EQ(cert.tag, 0x7F21u);
  EXPECT_TRUE(cert.isConstructed());
  EXPECT_TRUE(cert.value.empty());
  ASSERT_EQ(cert.children.size(), 2u);
  const Node* body = cert.find(0x7F4E);
  ASSERT_NE(body, nullptr);
  EXPECT_TRUE(body->isConstructed());
  ASSERT_NE(body->find(0x5F29), nullptr);
  EXPECT_EQ(body->find(0x5F29)->value, Bytes{0x70});
  EXPECT_EQ(body->find(0x42)->value, (Bytes{0x44, 0x45, 0x31}));
  const Node* signature = cert.find(0x5F37);
  ASSERT_NE(signature, nullptr);
  EXPECT_FALSE(signature->isConstructed());
  EXPECT_EQ(signature->value, (Bytes{0xDE, 0xAD, 0xBE, 0xEF}));
  EXPECT_EQ(cert.find(0x5F20), nullptr);
  EXPECT_EQ(encode(nodes), raw);
  expectSame(parse(encode(nodes)), nodes);
}

TEST(Tlv, ThreeAndFourByteTags) {
  const Bytes raw = fromHex("BF8101 06 9F818203 01 AA");
  const auto nodes = parse(raw);
  ASSERT_EQ(nodes.size(), 1u);
  EXPECT_EQ(nodes[0].tag, 0xBF8101u);
  EXPECT_TRUE(nodes[0].isConstructed());
  ASSERT_EQ(nodes[0].children.size(), 1u);
  EXPECT_EQ(nodes[0].children[0].tag, 0x9F818203u);
  EXPECT_FALSE(nodes[0].children[0].isConstructed());
  EXPECT_EQ(nodes[0].children[0].value, Bytes{0xAA});
  EXPECT_EQ(encode(nodes), raw);
}

TEST(Tlv, LongFormLengths) {
  const Bytes value200(200, 0x11);
  const Bytes raw81 = concat({{0x53, 0x81, 0xC8}, value200});
  auto nodes = parse(raw81);
  ASSERT_EQ(nodes.size(), 1u);
  EXPECT_EQ(nodes[0].value, value200);
  EXPECT_EQ(encode(nodes), raw81);

  const Bytes value300(300, 0x22);
  const Bytes raw82 = concat({{0x53, 0x82, 0x01, 0x2C}, value300});
  nodes = parse(raw82);
  EXPECT_EQ(nodes[0].value, value300);
  EXPECT_EQ(encode(nodes), raw82);

  const Bytes value70000(70000, 0x33);
  const Bytes raw83 = concat({{0x53, 0x83, 0x01, 0x11, 0x70}, value70000});
  nodes = parse(raw83);
  EXPECT_EQ(nodes[0].value, value70000);
  EXPECT_EQ(encode(nodes), raw83);

  // 84 with a small value, and non-minimal 81/82 forms: accepted, re-encoded minimally.
  nodes = parse(Bytes{0x53, 0x84, 0x00, 0x00, 0x00, 0x01, 0xAA});
  EXPECT_EQ(nodes[0].value, Bytes{0xAA});
  EXPECT_EQ(encode(nodes), (Bytes{0x53, 0x01, 0xAA}));
  EXPECT_EQ(encode(parse(Bytes{0x53, 0x81, 0x01, 0xAA})), (Bytes{0x53, 0x01, 0xAA}));
  EXPECT_EQ(encode(parse(Bytes{0x53, 0x82, 0x00, 0x01, 0xAA})), (Bytes{0x53, 0x01, 0xAA}));
}

TEST(Tlv, EncodesShortestLength) {
  EXPECT_EQ(encode(primitive(0x04, Bytes(127, 0))).size(), 2u + 127);
  EXPECT_EQ(encode(primitive(0x04, Bytes(128, 0)))[1], 0x81);
  EXPECT_EQ(encode(primitive(0x04, Bytes(255, 0)))[1], 0x81);
  const Bytes e256 = encode(primitive(0x04, Bytes(256, 0)));
  EXPECT_EQ(Bytes(e256.begin(), e256.begin() + 4), (Bytes{0x04, 0x82, 0x01, 0x00}));
  const Bytes e65536 = encode(primitive(0x04, Bytes(65536, 0)));
  EXPECT_EQ(Bytes(e65536.begin(), e65536.begin() + 5), (Bytes{0x04, 0x83, 0x01, 0x00, 0x00}));
}

TEST(Tlv, BuildersRoundTrip) {
  const Node tree = constructed(
      0x6F, {primitive(0x84, {0xD2, 0x76, 0x00, 0x01, 0x44, 0x80, 0x00}),
             constructed(0xA5, {primitive(0x88, {0x01}), primitive(0x5F2D, {'d', 'e'})}),
             constructed(0xBF0C, {})});
  EXPECT_TRUE(tree.isConstructed());
  const Bytes raw = encode(tree);
  EXPECT_EQ(raw, fromHex("6F 16 84 07 D2760001448000 A5 08 88 01 01 5F2D 02 6465 BF0C 00"));
  const auto parsed = parse(raw);
  ASSERT_EQ(parsed.size(), 1u);
  expectSame(parsed[0], tree);
}

TEST(Tlv, FindAll) {
  const auto nodes = parse(fromHex("70 0B 5A 01 01 5A 01 02 50 00 5A 01 03"));
  ASSERT_EQ(nodes.size(), 1u);
  const auto all = nodes[0].findAll(0x5A);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0]->value, Bytes{0x01});
  EXPECT_EQ(all[1]->value, Bytes{0x02});
  EXPECT_EQ(all[2]->value, Bytes{0x03});
  EXPECT_EQ(nodes[0].find(0x5A)->value, Bytes{0x01});
  EXPECT_TRUE(nodes[0].findAll(0x99).empty());
  EXPECT_EQ(nodes[0].findAll(0x50).size(), 1u);
}

TEST(Tlv, SkipsPadding) {
  const Bytes raw = fromHex("00 FF 5A 01 01 00 00 70 05 00 5A 01 02 FF FF FF");
  ParseOptions options;
  options.skipPadding = true;
  const auto nodes = parse(raw, options);
  ASSERT_EQ(nodes.size(), 2u);
  EXPECT_EQ(nodes[0].tag, 0x5Au);
  ASSERT_EQ(nodes[1].children.size(), 1u);
  EXPECT_EQ(nodes[1].children[0].value, Bytes{0x02});
  EXPECT_EQ(encode(nodes), fromHex("5A 01 01 70 03 5A 01 02"));
  // All padding: nothing.
  EXPECT_TRUE(parse(Bytes(32, 0xFF), options).empty());
  EXPECT_TRUE(parse(Bytes(32, 0x00), options).empty());
}

TEST(Tlv, RejectsTagZeroWithoutPadding) {
  expectInvalid(Bytes{0x00, 0x00}, "0");
  expectInvalid(Bytes{0x5A, 0x01, 0x01, 0x00}, "3");
}

TEST(Tlv, MaxDepth) {
  // Four levels: 70 { 71 { 72 { 5A } } }.
  const Bytes raw = fromHex("70 07 71 05 72 03 5A 01 AA");
  ParseOptions options;
  options.maxDepth = 4;
  EXPECT_EQ(parse(raw, options).size(), 1u);
  options.maxDepth = 3;
  expectInvalid(raw, "6", options);
  options.maxDepth = 1;
  expectInvalid(raw, "2", options);
  // An empty constructed object at the last allowed level is fine.
  EXPECT_EQ(parse(fromHex("70 00"), options).size(), 1u);

  // Deep nesting beyond the default limit of 16.
  Bytes deep{0x5A, 0x00};
  for (int i = 0; i < 20; ++i)
    deep = concat({{0x70, static_cast<std::uint8_t>(deep.size())}, deep});
  EXPECT_ERRC(parse(deep), Errc::TlvInvalid);
  options.maxDepth = 21;
  EXPECT_EQ(parse(deep, options).size(), 1u);
}

TEST(Tlv, RejectsTruncation) {
  expectInvalid(Bytes{0x5A}, "1");                                      // missing length
  expectInvalid(Bytes{0x5A, 0x02, 0x01}, "0");                          // value short
  expectInvalid(Bytes{0x5F}, "0");                                      // truncated multi-byte tag
  expectInvalid(Bytes{0xBF, 0x81}, "0");                                // truncated three-byte tag
  expectInvalid(Bytes{0x5A, 0x81}, "1");                                // truncated long length
  expectInvalid(Bytes{0x5A, 0x82, 0x01}, "1");                          // truncated long length
  expectInvalid(Bytes{0x5A, 0x84, 0xFF, 0xFF, 0xFF, 0xFF, 0x00}, "0");  // huge length
  expectInvalid(fromHex("5A 01 01 5A 03 01"), "3");  // offset of the second object
}

TEST(Tlv, RejectsChildBeyondParent) {
  // 70 announces 4 bytes, its child 5A claims 5.
  expectInvalid(fromHex("70 04 5A 05 01 02 03 04 05"), "2");
  // Child length field runs past the parent.
  expectInvalid(fromHex("70 02 5A 81 05 00 00 00 00 00"), "3");
  // Child tag runs past the parent.
  expectInvalid(fromHex("70 01 5F 20 00"), "2");
}

TEST(Tlv, RejectsBadLengths) {
  expectInvalid(Bytes{0x5A, 0x80, 0x00, 0x00}, "1");  // indefinite
  expectInvalid(Bytes{0x5A, 0x85, 0, 0, 0, 0, 1, 0xAA}, "1");
  expectInvalid(Bytes{0x5A, 0xFF}, "1");
}

TEST(Tlv, RejectsBadTags) {
  expectInvalid(Bytes{0x5F, 0x81, 0x81, 0x81, 0x01, 0x00}, "0");  // 5 tag bytes
  // Non-minimal tag numbers are kept as they are (BF0C is a common EMV tag).
  EXPECT_EQ(parse(Bytes{0x5F, 0x80, 0x01, 0x00})[0].tag, 0x5F8001u);
  EXPECT_EQ(parse(Bytes{0xBF, 0x0C, 0x00})[0].tag, 0xBF0Cu);
  EXPECT_EQ(encode(parse(Bytes{0x5F, 0x00, 0x00})), (Bytes{0x5F, 0x00, 0x00}));
  EXPECT_EQ(parse(Bytes{0x5F, 0x1F, 0x00})[0].tag, 0x5F1Fu);  // smallest two-byte tag
  EXPECT_EQ(parse(Bytes{0x5F, 0xFF, 0xFF, 0x7F, 0x00})[0].tag, 0x5FFFFF7Fu);
}

TEST(Tlv, EncodeRejectsInvalidNodes) {
  EXPECT_ERRC(encode(primitive(0x00, {})), Errc::TlvInvalid);
  EXPECT_ERRC(encode(primitive(0x1F, {})), Errc::TlvInvalid);      // needs more tag bytes
  EXPECT_ERRC(encode(primitive(0x5F81, {})), Errc::TlvInvalid);    // last byte has bit 8
  EXPECT_ERRC(encode(primitive(0x5A01, {})), Errc::TlvInvalid);    // first byte not 1F-form
  EXPECT_ERRC(encode(primitive(0x5F2001, {})), Errc::TlvInvalid);  // middle byte without bit 8
  Node mixed = primitive(0x70, {0x01});
  EXPECT_ERRC(encode(mixed), Errc::TlvInvalid);  // constructed tag with a value
  Node primitiveWithChildren = constructed(0x5A, {primitive(0x50, {})});
  EXPECT_ERRC(encode(primitiveWithChildren), Errc::TlvInvalid);
}

TEST(Tlv, IsConstructedLooksAtTheFirstTagByte) {
  EXPECT_TRUE(primitive(0x7F21, {}).isConstructed());
  EXPECT_FALSE(primitive(0x5F37, {}).isConstructed());
  EXPECT_TRUE(primitive(0xBF8101, {}).isConstructed());
  EXPECT_FALSE(primitive(0x9F8101, {}).isConstructed());
  EXPECT_TRUE(primitive(0xFF818181, {}).isConstructed());
  EXPECT_FALSE(primitive(0x1F, {}).isConstructed());
}

}  // namespace
}  // namespace hcbridge::tlv
