// T=0 behaviour: answers with data come as 61xx and GET RESPONSE.
#include "sim_test_support.hpp"

namespace hcbridge::sim::testing {
namespace {

constexpr std::string_view kSelectAppFci = "00 A4 04 00 08 F0 48 43 42 54 45 53 54";

TEST(SimT0, SelectWithFciAnswers61xxThenGetResponse) {
  auto t0 = genericT0Card();
  auto t1 = genericCard();
  const Reply direct = send(*t1, std::string(kSelectAppFci) + " 00");
  ASSERT_EQ(direct.sw, 0x9000);

  const Reply first = send(*t0, kSelectAppFci);
  EXPECT_TRUE(first.data.empty());
  EXPECT_EQ(first.sw, 0x6100 | direct.data.size());
  const Bytes getResponse{0x00, 0xC0, 0x00, 0x00, static_cast<std::uint8_t>(direct.data.size())};
  const Bytes raw = t0->process(getResponse);
  ASSERT_GE(raw.size(), 2u);
  EXPECT_EQ(Bytes(raw.begin(), raw.end() - 2), direct.data);
  EXPECT_EQ(raw[raw.size() - 2], 0x90);
}

TEST(SimT0, GetResponseWithNothingPendingIs6985) {
  auto card = genericT0Card();
  EXPECT_EQ(sw(*card, "00 C0 00 00 10"), 0x6985);
  auto t1 = genericCard();
  EXPECT_EQ(sw(*t1, "00 C0 00 00 10"), 0x6985);
}

TEST(SimT0, GetResponseWithShortLeGives6Cxx) {
  auto card = genericT0Card();
  const Reply first = send(*card, "00 CA 01 01 00");
  ASSERT_EQ(first.sw, 0x6108);
  EXPECT_EQ(sw(*card, "00 C0 00 00 04"), 0x6C08);
  const Reply data = send(*card, "00 C0 00 00 08");
  EXPECT_EQ(data.sw, 0x9000);
  EXPECT_EQ(data.data, bytesOf("HCB-TEST"));
  EXPECT_EQ(sw(*card, "00 C0 00 00 08"), 0x6985);  // consumed
}

TEST(SimT0, AnotherCommandDropsPendingData) {
  auto card = genericT0Card();
  ASSERT_EQ(sw(*card, "00 CA 01 01 00"), 0x6108);
  ASSERT_EQ(sw(*card, "00 A4 00 0C 02 3F 00"), 0x9000);
  EXPECT_EQ(sw(*card, "00 C0 00 00 08"), 0x6985);
}

TEST(SimT0, LongReadComesInGetResponseChunksWithFinalStatus) {
  auto card = genericT0Card();
  ASSERT_EQ(sw(*card, "00 A4 08 0C 04 DF 01 10 01"), 0x9000);
  Reply reply = send(*card, "00 B0 00 00 00 00 00");  // extended Le: the whole file
  ASSERT_EQ(reply.sw, 0x6100);
  Bytes content;
  for (const int expected : {0x6100, 0x6158}) {
    reply = send(*card, "00 C0 00 00 00");
    EXPECT_EQ(reply.sw, expected);
    EXPECT_EQ(reply.data.size(), 256u);
    content.insert(content.end(), reply.data.begin(), reply.data.end());
  }
  reply = send(*card, "00 C0 00 00 58");
  EXPECT_EQ(reply.sw, 0x6282);  // the READ BINARY's own status comes last
  EXPECT_EQ(reply.data.size(), 88u);
  content.insert(content.end(), reply.data.begin(), reply.data.end());
  const Profile profile = loadProfile("generic-t0");
  EXPECT_EQ(content, findFile(profile.mf, {0xDF01, 0x1001})->data);
}

TEST(SimT0, CommandsWithoutDataAnswerDirectly) {
  auto card = genericT0Card();
  EXPECT_EQ(sw(*card, "00 A4 04 0C 08 F0 48 43 42 54 45 53 54"), 0x9000);
  EXPECT_EQ(sw(*card, "00 20 00 01"), 0x63C3);
  EXPECT_EQ(sw(*card, "00 B0 00 00 10"), 0x6986);
}

TEST(SimT0, SignatureThroughGetResponse) {
  auto card = genericT0Card();
  ASSERT_EQ(sw(*card, "00 20 00 01 04 31 32 33 34"), 0x9000);
  ASSERT_EQ(sw(*card, "00 22 41 B6 03 84 01 82"), 0x9000);
  const Reply first = send(*card, "00 2A 9E 9A 20 " + toHex(Bytes(32, 0xAB)));
  ASSERT_EQ(first.sw, 0x6100);  // 256 bytes waiting
  const Reply signature = send(*card, "00 C0 00 00 00");
  EXPECT_EQ(signature.sw, 0x9000);
  EXPECT_EQ(signature.data.size(), 256u);
}

}  // namespace
}  // namespace hcbridge::sim::testing
