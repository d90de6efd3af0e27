// The `hcbridge` program end to end: real pcscd, vpcd, simulated cards.
#include <gtest/gtest.h>
#include <signal.h>

#include <nlohmann/json.hpp>

#include "child_process.hpp"
#include "pcscd_control.hpp"
#include "sim_fixture.hpp"

namespace hcbridge::testing {
namespace {

using namespace std::chrono_literals;

ProcessResult cli(std::vector<std::string> args) {
  args.insert(args.begin(), HCBRIDGE_CLI_PATH);
  return runProcess(args);
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

using CliTest = PcscIntegrationTest;

TEST_F(CliTest, ReadersJsonListsTheCardAndItsAtr) {
  insertCard("generic", 0);
  const auto result = cli({"readers", "--json"});
  ASSERT_EQ(result.exitCode, 0) << result.err;
  const auto json = nlohmann::json::parse(result.out);
  bool found = false;
  for (const auto& reader : json.at("readers")) {
    if (reader.at("name") == kReader0) {
      found = true;
      EXPECT_TRUE(reader.at("cardPresent").get<bool>());
      EXPECT_EQ(reader.at("atr"), toHex(sim::loadProfile("generic").atr));
    }
  }
  EXPECT_TRUE(found) << result.out;
}

TEST_F(CliTest, ApduPrintsResponsesWithStatusWordNames) {
  insertCard("generic", 0);
  const auto result = cli({"apdu", "--reader", "0", "00A40000023F00", "00 CA 99 99 00"});
  ASSERT_EQ(result.exitCode, 0) << result.err;
  EXPECT_TRUE(contains(result.out, "9000")) << result.out;
  EXPECT_TRUE(contains(result.out, "6A88")) << result.out;
  EXPECT_TRUE(contains(result.out, apdu::statusWordName(0x6A88))) << result.out;
}

TEST_F(CliTest, ApduMasksThePinOfAVerify) {
  insertCard("generic", 0);
  const auto result = cli({"apdu", "--reader", kReader0, "0020000104 31323334"});
  ASSERT_EQ(result.exitCode, 0) << result.err;
  EXPECT_FALSE(contains(result.out, "31 32 33 34")) << result.out;
  EXPECT_TRUE(contains(result.out, "** ** ** **")) << result.out;
}

TEST_F(CliTest, UnknownReaderIsAClearErrorListingTheReaders) {
  const auto result = cli({"apdu", "--reader", "Nope", "00A4000000"});
  EXPECT_EQ(result.exitCode, 1);
  EXPECT_TRUE(contains(result.err, "No reader is named 'Nope'")) << result.err;
  EXPECT_TRUE(contains(result.err, kReader0)) << result.err;
  EXPECT_TRUE(contains(result.err, "[reader-not-found]")) << result.err;
}

TEST_F(CliTest, MalformedApduIsAUsageErrorAndSendsNothing) {
  insertCard("generic", 0);
  const auto result = cli({"apdu", "--reader", "0", "00A40000023F00", "00A4 0Z"});
  EXPECT_EQ(result.exitCode, 2);
  EXPECT_TRUE(contains(result.err, "APDU 2")) << result.err;
  EXPECT_TRUE(result.out.empty()) << result.out;
}

TEST_F(CliTest, PullingTheCardMidExchangeIsACardRemovedError) {
  auto& card = insertCard("generic", 0);
  card.pullAfterApdus(2);
  const auto result =
      cli({"apdu", "--reader", "0", "00A40000023F00", "00A40000023F00", "00A40000023F00"});
  EXPECT_EQ(result.exitCode, 1);
  EXPECT_TRUE(contains(result.err, "[card-removed]")) << result.err;
}

TEST_F(CliTest, WatchPrintsCardEventsAndStopsOnCtrlC) {
  ChildProcess watch({HCBRIDGE_CLI_PATH, "readers", "--watch"});
  std::optional<std::string> line;
  do {
    line = watch.readLine(10s);
    ASSERT_TRUE(line) << "no 'Watching' line";
  } while (!contains(*line, "Watching"));

  insertCard("generic", 1);
  line = watch.readLine(10s);
  ASSERT_TRUE(line);
  EXPECT_TRUE(contains(*line, "card.inserted")) << *line;
  EXPECT_TRUE(contains(*line, kReader1)) << *line;

  removeCard(1);
  line = watch.readLine(10s);
  ASSERT_TRUE(line);
  EXPECT_TRUE(contains(*line, "card.removed")) << *line;

  watch.signal(SIGINT);
  EXPECT_EQ(watch.wait(5s), 0);
}

TEST_F(CliTest, WithoutPcscdTheMessageSaysHowToStartIt) {
  pcscd().stop();
  const auto result = cli({"readers"});
  pcscd().start();
  EXPECT_EQ(result.exitCode, 1);
  EXPECT_TRUE(contains(result.err, "pcscd is not running")) << result.err;
  EXPECT_TRUE(contains(result.err, "[pcsc-unavailable]")) << result.err;
}

TEST(CliUsage, HelpExplainsEveryCommand) {
  const auto result = runProcess({HCBRIDGE_CLI_PATH, "--help"});
  EXPECT_EQ(result.exitCode, 0);
  for (const char* command : {"readers", "apdu", "sim"}) {
    EXPECT_TRUE(contains(result.out, command)) << result.out;
    const auto sub = runProcess({HCBRIDGE_CLI_PATH, command, "--help"});
    EXPECT_EQ(sub.exitCode, 0) << command;
    EXPECT_TRUE(contains(sub.out, "Usage: hcbridge " + std::string(command))) << sub.out;
    EXPECT_TRUE(contains(sub.out, "Examples")) << sub.out;
  }
}

TEST(CliUsage, UnknownOptionIsAUsageError) {
  const auto result = runProcess({HCBRIDGE_CLI_PATH, "readers", "--frobnicate"});
  EXPECT_EQ(result.exitCode, 2);
  EXPECT_TRUE(contains(result.err, "frobnicate")) << result.err;
}

TEST(CliUsage, SimWithAnUnknownProfileNamesTheBuiltInOnes) {
  const auto result = runProcess({HCBRIDGE_CLI_PATH, "sim", "--card", "no-such-card"});
  EXPECT_EQ(result.exitCode, 1);
  EXPECT_TRUE(contains(result.err, "generic")) << result.err;
  EXPECT_TRUE(contains(result.err, "[profile-invalid]")) << result.err;
}

}  // namespace
}  // namespace hcbridge::testing
