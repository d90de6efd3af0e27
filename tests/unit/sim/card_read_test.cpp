// READ BINARY, UPDATE BINARY, READ RECORD, UPDATE RECORD, GET DATA.
#include "sim_test_support.hpp"

namespace hcbridge::sim::testing {
namespace {

constexpr std::string_view kSelectApp = "00 A4 04 0C 08 F0 48 43 42 54 45 53 54";

Bytes efData(std::initializer_list<std::uint16_t> path) {
  static const Profile profile = loadProfile("generic");
  const FileNode* file = findFile(profile.mf, path);
  EXPECT_NE(file, nullptr);
  return file == nullptr ? Bytes{} : file->data;
}

TEST(SimReadBinary, BySfiWithExactLe) {
  auto card = genericCard();
  const Reply reply = send(*card, "00 B0 82 00 0C");
  EXPECT_EQ(reply.sw, 0x9000);
  EXPECT_EQ(reply.data, fromHex("5A 0A 80 99 90 00 00 00 00 12 34 56"));
}

TEST(SimReadBinary, FewerBytesThanLeGives6282) {
  auto card = genericCard();
  const Reply reply = send(*card, "00 B0 82 00 00");  // Le 00 = up to 256
  EXPECT_EQ(reply.sw, 0x6282);
  EXPECT_EQ(reply.data.size(), 12u);
}

TEST(SimReadBinary, BySfiWithOffset) {
  auto card = genericCard();
  const Reply reply = send(*card, "00 B0 82 02 03");
  EXPECT_EQ(reply.sw, 0x9000);
  EXPECT_EQ(reply.data, fromHex("80 99 90"));
}

TEST(SimReadBinary, SfiSelectsTheEfForLaterOffsets) {
  auto card = genericCard();
  ASSERT_EQ(sw(*card, "00 B0 82 00 01"), 0x9000);
  const Reply reply = send(*card, "00 B0 00 0A 02");
  EXPECT_EQ(reply.data, fromHex("34 56"));
}

TEST(SimReadBinary, UnknownSfiIs6A82) {
  auto card = genericCard();
  EXPECT_EQ(sw(*card, "00 B0 85 00 00"), 0x6A82);
}

TEST(SimReadBinary, MultiChunkReadOf600Bytes) {
  auto card = genericCard();
  ASSERT_EQ(sw(*card, kSelectApp), 0x9000);
  Bytes content;
  Reply chunk = send(*card, "00 B0 81 00 00");  // SFI 01, offset 0, 256 bytes
  ASSERT_EQ(chunk.sw, 0x9000);
  ASSERT_EQ(chunk.data.size(), 256u);
  content.insert(content.end(), chunk.data.begin(), chunk.data.end());
  chunk = send(*card, "00 B0 01 00 00");  // offset 256 on the now current EF
  ASSERT_EQ(chunk.sw, 0x9000);
  content.insert(content.end(), chunk.data.begin(), chunk.data.end());
  chunk = send(*card, "00 B0 02 00 00");  // offset 512: 88 bytes left
  EXPECT_EQ(chunk.sw, 0x6282);
  EXPECT_EQ(chunk.data.size(), 88u);
  content.insert(content.end(), chunk.data.begin(), chunk.data.end());
  EXPECT_EQ(content, efData({0xDF01, 0x1001}));
}

TEST(SimReadBinary, ExtendedLeReadsEverythingAtOnce) {
  auto card = genericCard();
  ASSERT_EQ(sw(*card, "00 A4 08 0C 04 DF 01 10 01"), 0x9000);
  Reply reply = send(*card, "00 B0 00 00 00 02 58");
  EXPECT_EQ(reply.sw, 0x9000);
  EXPECT_EQ(reply.data, efData({0xDF01, 0x1001}));
  reply = send(*card, "00 B0 00 00 00 00 00");  // Ne 65536
  EXPECT_EQ(reply.sw, 0x6282);
  EXPECT_EQ(reply.data.size(), 600u);
}

TEST(SimReadBinary, OffsetBeyondEndIs6B00) {
  auto card = genericCard();
  ASSERT_EQ(sw(*card, "00 A4 08 0C 04 DF 01 10 01"), 0x9000);
  EXPECT_EQ(sw(*card, "00 B0 02 59 01"), 0x6B00);  // 601
  EXPECT_EQ(sw(*card, "00 B0 7F FF 01"), 0x6B00);
  const Reply atEnd = send(*card, "00 B0 02 58 01");  // 600: nothing left
  EXPECT_EQ(atEnd.sw, 0x6282);
  EXPECT_TRUE(atEnd.data.empty());
}

TEST(SimReadBinary, NoCurrentEfIs6986) {
  auto card = genericCard();
  EXPECT_EQ(sw(*card, "00 B0 00 00 10"), 0x6986);
}

TEST(SimReadBinary, RecordEfIs6981) {
  auto card = genericCard();
  EXPECT_EQ(sw(*card, "00 B0 9E 00 10"), 0x6981);  // SFI 1E: EF.DIR
}

TEST(SimReadBinary, WithoutLeIs6700) {
  auto card = genericCard();
  EXPECT_EQ(sw(*card, "00 B0 82 00"), 0x6700);
}

TEST(SimReadBinary, WrongSfiEncodingIs6A86) {
  auto card = genericCard();
  EXPECT_EQ(sw(*card, "00 B0 C2 00 01"), 0x6A86);
  EXPECT_EQ(sw(*card, "00 B0 80 00 01"), 0x6A86);
}

TEST(SimReadBinary, PinProtectedEfNeedsVerify) {
  auto card = genericCard();
  ASSERT_EQ(sw(*card, kSelectApp), 0x9000);
  EXPECT_EQ(sw(*card, "00 B0 83 00 00"), 0x6982);
  ASSERT_EQ(sw(*card, "00 20 00 01 04 31 32 33 34"), 0x9000);
  const Reply reply = send(*card, "00 B0 83 00 00");
  EXPECT_EQ(reply.sw, 0x6282);
  EXPECT_EQ(reply.data, efData({0xDF01, 0x1003}));
}

TEST(SimReadBinary, NeverReadableEf) {
  auto card = genericCard();
  ASSERT_EQ(sw(*card, kSelectApp), 0x9000);
  ASSERT_EQ(sw(*card, "00 20 00 01 04 31 32 33 34"), 0x9000);
  EXPECT_EQ(sw(*card, "00 B0 84 00 00"), 0x6982);
}

TEST(SimUpdateBinary, NeedsPinAndWritesInPlace) {
  auto card = genericCard();
  ASSERT_EQ(sw(*card, "00 A4 08 0C 04 DF 01 10 01"), 0x9000);
  EXPECT_EQ(sw(*card, "00 D6 00 00 02 41 42"), 0x6982);
  ASSERT_EQ(sw(*card, "00 20 00 01 04 31 32 33 34"), 0x9000);
  EXPECT_EQ(sw(*card, "00 D6 00 01 02 41 42"), 0x9000);
  EXPECT_EQ(send(*card, "00 B0 00 00 04").data, bytesOf("LABe"));
  EXPECT_EQ(sw(*card, "00 D6 02 57 02 41 42"), 0x6700);  // would grow the file
  EXPECT_EQ(sw(*card, "00 D6 02 59 01 41"), 0x6B00);
}

TEST(SimReadRecord, BySfi) {
  auto card = genericCard();
  static const Profile profile = loadProfile("generic");
  const Reply reply = send(*card, "00 B2 01 F4 00");  // SFI 1E = EF.DIR
  EXPECT_EQ(reply.sw, 0x9000);
  EXPECT_EQ(reply.data, findFile(profile.mf, {0x2F00})->records.at(0));
  EXPECT_EQ(reply.data.at(0), 0x61);
}

TEST(SimReadRecord, AllThreeRecordsOfTheCurrentEf) {
  auto card = genericCard();
  static const Profile profile = loadProfile("generic");
  const auto& records = findFile(profile.mf, {0xDF01, 0x1002})->records;
  ASSERT_EQ(records.size(), 3u);
  ASSERT_EQ(sw(*card, "00 A4 08 0C 04 DF 01 10 02"), 0x9000);
  for (int number = 1; number <= 3; ++number) {
    const Bytes command{0x00, 0xB2, static_cast<std::uint8_t>(number), 0x04, 0x00};
    const Bytes raw = card->process(command);
    ASSERT_GE(raw.size(), 2u);
    EXPECT_EQ(Bytes(raw.begin(), raw.end() - 2), records[number - 1]);
    EXPECT_EQ(raw[raw.size() - 2], 0x90);
  }
}

TEST(SimReadRecord, MissingRecordIs6A83) {
  auto card = genericCard();
  ASSERT_EQ(sw(*card, "00 A4 08 0C 04 DF 01 10 02"), 0x9000);
  EXPECT_EQ(sw(*card, "00 B2 04 04 00"), 0x6A83);
}

TEST(SimReadRecord, TransparentEfIs6981) {
  auto card = genericCard();
  EXPECT_EQ(sw(*card, "00 B2 01 14 00"), 0x6981);  // SFI 02 is transparent
}

TEST(SimReadRecord, RecordZeroOrOtherModesAre6A86) {
  auto card = genericCard();
  EXPECT_EQ(sw(*card, "00 B2 00 F4 00"), 0x6A86);
  EXPECT_EQ(sw(*card, "00 B2 01 F5 00"), 0x6A86);
}

TEST(SimReadRecord, LeTooSmallGives6Cxx) {
  auto card = genericCard();
  const Reply full = send(*card, "00 B2 01 F4 00");
  ASSERT_EQ(full.sw, 0x9000);
  EXPECT_EQ(sw(*card, "00 B2 01 F4 04"), 0x6C00 | full.data.size());
}

TEST(SimReadRecord, NoCurrentEfIs6986) {
  auto card = genericCard();
  EXPECT_EQ(sw(*card, "00 B2 01 04 00"), 0x6986);
}

TEST(SimUpdateRecord, ReplacesARecord) {
  auto card = genericCard();
  ASSERT_EQ(sw(*card, "00 A4 08 0C 04 DF 01 10 02"), 0x9000);
  EXPECT_EQ(sw(*card, "00 DC 02 04 03 01 02 03"), 0x9000);
  EXPECT_EQ(send(*card, "00 B2 02 04 00").data, fromHex("01 02 03"));
  EXPECT_EQ(sw(*card, "00 DC 09 04 01 01"), 0x6A83);
}

TEST(SimGetData, ReturnsTheObject) {
  auto card = genericCard();
  const Reply reply = send(*card, "00 CA 01 01 00");
  EXPECT_EQ(reply.sw, 0x9000);
  EXPECT_EQ(reply.data, bytesOf("HCB-TEST"));
}

TEST(SimGetData, MissingObjectIs6A88) {
  auto card = genericCard();
  EXPECT_EQ(sw(*card, "00 CA 01 02 00"), 0x6A88);
}

TEST(SimGetData, LeTooSmallGives6Cxx) {
  auto card = genericCard();
  EXPECT_EQ(sw(*card, "00 CA 9F 7F 10"), 0x6C2A);
  const Reply reply = send(*card, "00 CA 9F 7F 2A");
  EXPECT_EQ(reply.sw, 0x9000);
  EXPECT_EQ(reply.data.size(), 42u);
}

TEST(SimGetData, WithoutLeIs6700) {
  auto card = genericCard();
  EXPECT_EQ(sw(*card, "00 CA 01 01"), 0x6700);
}

TEST(SimGetData, LongObjectComesInPartsWithShortLe) {
  Profile profile = loadProfile("generic");
  Bytes big(300);
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<std::uint8_t>(i);
  profile.dataObjects[0x0200] = big;
  Card card(std::move(profile));
  Reply first = send(card, "00 CA 02 00 00");
  EXPECT_EQ(first.sw, 0x612C);
  EXPECT_EQ(first.data.size(), 256u);
  const Reply rest = send(card, "00 C0 00 00 2C");
  EXPECT_EQ(rest.sw, 0x9000);
  first.data.insert(first.data.end(), rest.data.begin(), rest.data.end());
  EXPECT_EQ(first.data, big);
  const Reply all = send(card, "00 CA 02 00 00 00 00");  // extended Le
  EXPECT_EQ(all.data, big);
}

}  // namespace
}  // namespace hcbridge::sim::testing
