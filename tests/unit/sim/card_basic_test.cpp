// Class byte, instruction and length checks; ATR; power cycle; command hook.
#include <atomic>
#include <thread>
#include <vector>

#include "hcbridge/apdu.hpp"
#include "hcbridge/atr.hpp"
#include "sim_test_support.hpp"

namespace hcbridge::sim::testing {
namespace {

TEST(SimCard, ProprietaryClassIsRejectedWith6E00) {
  auto card = genericCard();
  EXPECT_EQ(sw(*card, "80 A4 00 0C 02 3F 00"), 0x6E00);
  EXPECT_EQ(sw(*card, "FF CA 00 00 00"), 0x6E00);
  EXPECT_EQ(sw(*card, "A0 A4 00 00 02 3F 00"), 0x6E00);
}

TEST(SimCard, UnknownInstructionIs6D00) {
  auto card = genericCard();
  EXPECT_EQ(sw(*card, "00 12 00 00"), 0x6D00);
  EXPECT_EQ(sw(*card, "00 B1 00 00 00"), 0x6D00);
}

TEST(SimCard, MalformedCommandIs6700) {
  auto card = genericCard();
  EXPECT_EQ(sw(*card, "00 A4"), 0x6700);                       // shorter than a header
  EXPECT_EQ(sw(*card, "00 A4 04 00 08 F0 48"), 0x6700);        // Lc says 8, 2 bytes follow
  EXPECT_EQ(sw(*card, "00 A4 04 00 02 F0 48 00 00"), 0x6700);  // trailing bytes
  EXPECT_EQ(card->process({}).size(), 2u);
}

TEST(SimCard, ChainingAndSecureMessagingAreNotSupported) {
  auto card = genericCard();
  EXPECT_EQ(sw(*card, "10 A4 00 0C 02 3F 00"), 0x6884);
  EXPECT_EQ(sw(*card, "0C A4 00 0C 02 3F 00"), 0x6882);
  EXPECT_EQ(sw(*card, "40 A4 00 0C 02 3F 00"), 0x6881);
}

TEST(SimCard, LogicalChannelBitsAreServedAsBasicChannel) {
  auto card = genericCard();
  EXPECT_EQ(sw(*card, "01 A4 00 0C 02 3F 00"), 0x9000);
  EXPECT_EQ(sw(*card, "03 CA 01 01 00"), 0x9000);
}

TEST(SimCard, GenericAtrIsT1WithCorrectTck) {
  auto card = genericCard();
  const Bytes& raw = card->atr();
  ASSERT_GE(raw.size(), 3u);
  EXPECT_EQ(raw[0], 0x3B);
  std::uint8_t check = 0;
  for (std::size_t i = 1; i < raw.size(); ++i) check ^= raw[i];
  EXPECT_EQ(check, 0) << "TCK makes the XOR of T0..TCK zero";
  const atr::Atr parsed = atr::parse(raw);
  EXPECT_TRUE(parsed.hasTck);
  EXPECT_EQ(parsed.protocols, std::vector<int>{1});
  EXPECT_FALSE(parsed.historical.empty());
  EXPECT_EQ(card->protocol(), Protocol::T1);
  EXPECT_EQ(card->name(), "generic");
}

TEST(SimCard, GenericT0HasAT0Atr) {
  auto card = genericT0Card();
  const atr::Atr parsed = atr::parse(card->atr());
  EXPECT_EQ(parsed.protocols, std::vector<int>{0});
  EXPECT_EQ(card->protocol(), Protocol::T0);
  EXPECT_EQ(card->name(), "generic-t0");
}

TEST(SimCard, ResetClearsSecurityStateButKeepsCounters) {
  auto card = genericCard();
  EXPECT_EQ(sw(*card, "00 20 00 01 04 39 39 39 39"), 0x63C2);
  EXPECT_EQ(sw(*card, "00 20 00 01 04 31 32 33 34"), 0x9000);
  EXPECT_EQ(sw(*card, "00 20 00 01 04 39 39 39 39"), 0x63C2);
  EXPECT_EQ(sw(*card, "00 A4 04 0C 08 F0 48 43 42 54 45 53 54"), 0x9000);
  card->reset();
  EXPECT_EQ(card->pinTriesLeft(0x01), 2);
  EXPECT_EQ(sw(*card, "00 20 00 01"), 0x63C2);  // not verified after the power cycle
  // The MF is selected again: the application's EF 1001 is not a child of it.
  EXPECT_EQ(sw(*card, "00 A4 02 0C 02 10 01"), 0x6A82);
}

TEST(SimCard, CountsCommandsAndCallsTheHook) {
  auto card = genericCard();
  std::atomic<std::size_t> seen{0};
  card->setCommandHook([&](std::size_t count) { seen = count; });
  sw(*card, "00 A4 00 0C 02 3F 00");
  sw(*card, "00 12 00 00");
  EXPECT_EQ(card->commandCount(), 2u);
  EXPECT_EQ(seen.load(), 2u);
  EXPECT_EQ(card->pinTriesLeft(0x55), -1);
}

TEST(SimCard, HookMayResetTheCardWithoutDeadlock) {
  auto card = genericCard();
  Card* raw = card.get();
  card->setCommandHook([raw](std::size_t) { raw->reset(); });
  EXPECT_EQ(sw(*card, "00 20 00 01 04 31 32 33 34"), 0x9000);
  EXPECT_EQ(sw(*card, "00 20 00 01"), 0x63C3);  // the hook's reset dropped the verification
}

TEST(SimCard, ConcurrentCommandsAreSerialized) {
  auto card = genericCard();
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        if (sw(*card, "00 CA 01 01 00") != 0x9000) ++failures;
        if (sw(*card, "00 B0 82 00 0C") != 0x9000) ++failures;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(card->commandCount(), 1600u);
}

TEST(SimCard, EveryStatusWordHasAName) {
  for (const int word : {0x6E00, 0x6D00, 0x6700, 0x6A82, 0x6B00, 0x6A86, 0x6982, 0x6983, 0x63C2,
                         0x6282, 0x6100, 0x6C10}) {
    EXPECT_FALSE(apdu::statusWordName(static_cast<std::uint16_t>(word)).empty());
  }
}

}  // namespace
}  // namespace hcbridge::sim::testing
