// SELECT: every P1 variant, FCI/FCP/no data, errors and 6Cxx.
#include "hcbridge/tlv.hpp"
#include "sim_test_support.hpp"

namespace hcbridge::sim::testing {
namespace {

constexpr std::string_view kAid = "F0 48 43 42 54 45 53 54";

tlv::Node parseTemplate(const Bytes& data) {
  const auto nodes = tlv::parse(data);
  EXPECT_EQ(nodes.size(), 1u);
  return nodes.empty() ? tlv::Node{} : nodes.front();
}

Bytes valueOf(const tlv::Node& node, tlv::Tag tag) {
  const tlv::Node* found = node.find(tag);
  return found == nullptr ? Bytes{} : found->value;
}

TEST(SimSelect, MfByFidReturnsFci) {
  auto card = genericCard();
  const Reply reply = send(*card, "00 A4 00 00 02 3F 00 00");
  ASSERT_EQ(reply.sw, 0x9000);
  const tlv::Node fci = parseTemplate(reply.data);
  EXPECT_EQ(fci.tag, 0x6Fu);
  EXPECT_EQ(valueOf(fci, 0x83), (Bytes{0x3F, 0x00}));
  EXPECT_EQ(valueOf(fci, 0x82), (Bytes{0x38}));
}

TEST(SimSelect, EmptyDataSelectsMf) {
  auto card = genericCard();
  ASSERT_EQ(sw(*card, "00 A4 04 0C 08 " + std::string(kAid)), 0x9000);
  EXPECT_EQ(sw(*card, "00 A4 00 0C"), 0x9000);
  EXPECT_EQ(sw(*card, "00 A4 02 0C 02 2F 02"), 0x9000);  // an EF of the MF
}

TEST(SimSelect, ByAidReturnsDfNameInFci) {
  auto card = genericCard();
  const Reply reply = send(*card, "00 A4 04 00 08 " + std::string(kAid) + " 00");
  ASSERT_EQ(reply.sw, 0x9000);
  const tlv::Node fci = parseTemplate(reply.data);
  EXPECT_EQ(valueOf(fci, 0x84), fromHex(kAid));
  EXPECT_EQ(valueOf(fci, 0x83), (Bytes{0xDF, 0x01}));
}

TEST(SimSelect, UnknownAidIs6A82) {
  auto card = genericCard();
  EXPECT_EQ(sw(*card, "00 A4 04 00 08 F0 48 43 42 54 45 53 55 00"), 0x6A82);
  // A prefix of the AID is not enough.
  EXPECT_EQ(sw(*card, "00 A4 04 00 04 F0 48 43 42 00"), 0x6A82);
}

TEST(SimSelect, ChildDfAndEfByFid) {
  auto card = genericCard();
  EXPECT_EQ(sw(*card, "00 A4 01 0C 02 DF 01"), 0x9000);
  EXPECT_EQ(sw(*card, "00 A4 02 0C 02 10 02"), 0x9000);
  // P1 01 wants a DF, P1 02 an EF.
  EXPECT_EQ(sw(*card, "00 A4 01 0C 02 10 01"), 0x6A82);
  EXPECT_EQ(sw(*card, "00 A4 00 0C 02 3F 00"), 0x9000);
  EXPECT_EQ(sw(*card, "00 A4 02 0C 02 DF 01"), 0x6A82);
}

TEST(SimSelect, FcpOfTransparentEfHasSizeAndSfi) {
  auto card = genericCard();
  const Reply reply = send(*card, "00 A4 08 04 04 DF 01 10 01 00");
  ASSERT_EQ(reply.sw, 0x9000);
  const tlv::Node fcp = parseTemplate(reply.data);
  EXPECT_EQ(fcp.tag, 0x62u);
  EXPECT_EQ(valueOf(fcp, 0x80), (Bytes{0x02, 0x58}));  // 600 bytes
  EXPECT_EQ(valueOf(fcp, 0x83), (Bytes{0x10, 0x01}));
  EXPECT_EQ(valueOf(fcp, 0x88), (Bytes{0x01 << 3}));
  EXPECT_EQ(valueOf(fcp, 0x82).at(0), 0x01);  // transparent working EF
}

TEST(SimSelect, FcpOfRecordEfDescribesRecords) {
  auto card = genericCard();
  const Reply reply = send(*card, "00 A4 08 04 04 DF 01 10 02 00");
  ASSERT_EQ(reply.sw, 0x9000);
  const Bytes descriptor = valueOf(parseTemplate(reply.data), 0x82);
  ASSERT_EQ(descriptor.size(), 5u);
  EXPECT_EQ(descriptor[0], 0x04);  // linear, variable-size records
  EXPECT_EQ(descriptor[4], 3);     // three records
}

TEST(SimSelect, PathFromMfAndFromCurrentDf) {
  auto card = genericCard();
  EXPECT_EQ(sw(*card, "00 A4 08 0C 04 DF 01 10 03"), 0x9000);
  // EF selected: its DF is current, so its sibling is reachable by P1 02.
  EXPECT_EQ(sw(*card, "00 A4 02 0C 02 10 04"), 0x9000);
  EXPECT_EQ(sw(*card, "00 A4 09 0C 02 10 01"), 0x9000);
  EXPECT_EQ(sw(*card, "00 A4 00 0C 02 3F 00"), 0x9000);
  EXPECT_EQ(sw(*card, "00 A4 09 0C 04 DF 01 10 01"), 0x9000);
  EXPECT_EQ(sw(*card, "00 A4 08 0C 04 DF 01 99 99"), 0x6A82);
  EXPECT_EQ(sw(*card, "00 A4 08 0C 04 2F 02 10 01"), 0x6A82);  // an EF is no DF
  EXPECT_EQ(sw(*card, "00 A4 08 0C 03 DF 01 10"), 0x6700);     // odd path length
}

TEST(SimSelect, SelectingAnEfMakesItCurrent) {
  auto card = genericCard();
  ASSERT_EQ(sw(*card, "00 A4 08 0C 04 DF 01 10 01"), 0x9000);
  const Reply reply = send(*card, "00 B0 00 00 04");
  EXPECT_EQ(reply.sw, 0x9000);
  EXPECT_EQ(reply.data, bytesOf("Line"));
}

TEST(SimSelect, FidSearchFindsParentAndSiblings) {
  auto card = genericCard();
  ASSERT_EQ(sw(*card, "00 A4 04 0C 08 " + std::string(kAid)), 0x9000);
  EXPECT_EQ(sw(*card, "00 A4 00 0C 02 10 02"), 0x9000);  // child of the current DF
  EXPECT_EQ(sw(*card, "00 A4 00 0C 02 2F 02"), 0x9000);  // child of its parent, the MF
  EXPECT_EQ(sw(*card, "00 A4 00 0C 02 10 01"), 0x6A82);  // grandchildren are not searched
  EXPECT_EQ(sw(*card, "00 A4 03 0C"), 0x6A82);           // the MF has no parent
  ASSERT_EQ(sw(*card, "00 A4 04 0C 08 " + std::string(kAid)), 0x9000);
  EXPECT_EQ(sw(*card, "00 A4 03 0C"), 0x9000);  // parent of DF01: the MF
  EXPECT_EQ(sw(*card, "00 A4 02 0C 02 2F 02"), 0x9000);
}

TEST(SimSelect, NotFoundIs6A82) {
  auto card = genericCard();
  EXPECT_EQ(sw(*card, "00 A4 00 0C 02 12 34"), 0x6A82);
  EXPECT_EQ(sw(*card, "00 A4 02 0C 02 12 34"), 0x6A82);
}

TEST(SimSelect, WrongP1OrP2Is6A86) {
  auto card = genericCard();
  EXPECT_EQ(sw(*card, "00 A4 05 00 02 3F 00"), 0x6A86);
  EXPECT_EQ(sw(*card, "00 A4 00 10 02 3F 00"), 0x6A86);
  EXPECT_EQ(sw(*card, "00 A4 00 02 02 3F 00"), 0x6A86);
}

TEST(SimSelect, WrongDataLengthIs6700) {
  auto card = genericCard();
  EXPECT_EQ(sw(*card, "00 A4 00 0C 03 3F 00 00"), 0x6700);
  EXPECT_EQ(sw(*card, "00 A4 01 0C 01 DF"), 0x6700);
}

TEST(SimSelect, LeTooSmallGives6CxxWithTheRealLength) {
  auto card = genericCard();
  const Reply full = send(*card, "00 A4 04 00 08 " + std::string(kAid) + " 00");
  ASSERT_EQ(full.sw, 0x9000);
  const Reply shortLe = send(*card, "00 A4 04 00 08 " + std::string(kAid) + " 05");
  EXPECT_TRUE(shortLe.data.empty());
  EXPECT_EQ(shortLe.sw, 0x6C00 | full.data.size());
  // Le larger than the answer is fine in T=1.
  const Reply largeLe = send(*card, "00 A4 04 00 08 " + std::string(kAid) + " FF");
  EXPECT_EQ(largeLe.sw, 0x9000);
  EXPECT_EQ(largeLe.data, full.data);
}

TEST(SimSelect, NoLeInT1StillReturnsTheFci) {
  auto card = genericCard();
  const Reply reply = send(*card, "00 A4 04 00 08 " + std::string(kAid));
  EXPECT_EQ(reply.sw, 0x9000);
  EXPECT_FALSE(reply.data.empty());
}

TEST(SimSelect, P2_0CReturnsNoData) {
  auto card = genericCard();
  const Reply reply = send(*card, "00 A4 04 0C 08 " + std::string(kAid));
  EXPECT_EQ(reply.sw, 0x9000);
  EXPECT_TRUE(reply.data.empty());
}

}  // namespace
}  // namespace hcbridge::sim::testing
