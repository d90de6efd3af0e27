// `hcbridge read` and `hcbridge pin-status` on simulated cards behind pcscd.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "child_process.hpp"
#include "hcbridge/drivers.hpp"
#include "sim_fixture.hpp"

namespace hcbridge::testing {
namespace {

using namespace std::chrono_literals;

class CliCardsTest : public PcscIntegrationTest {
 protected:
  void SetUp() override {
    drivers::registerSimProfiles();
    PcscIntegrationTest::SetUp();
  }
  static ProcessResult cli(std::vector<std::string> args) {
    args.insert(args.begin(), HCBRIDGE_CLI_PATH);
    return runProcess(args);
  }
};

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST_F(CliCardsTest, ReadPrintsTheFamilyVitaleCardAsJson) {
  insertCard("vitale-family", 0);
  const auto result = cli({"read", "--reader", "0", "--json"});
  ASSERT_EQ(result.exitCode, 0) << result.err;
  const auto json = nlohmann::json::parse(result.out);
  EXPECT_EQ(json.at("kind"), "patient");
  EXPECT_EQ(json.at("cardType"), "vitale");
  EXPECT_GE(json.at("beneficiaries").size(), 2u);
  for (const auto& person : json.at("beneficiaries")) {
    if (person.contains("nir")) {
      EXPECT_EQ(person.at("nir").at("source"), "card");
    }
  }
}

TEST_F(CliCardsTest, ReadPrintsATableByDefault) {
  insertCard("vitale-family", 0);
  const auto result = cli({"read"});
  ASSERT_EQ(result.exitCode, 0) << result.err;
  EXPECT_TRUE(contains(result.out, "Patient card: vitale")) << result.out;
  EXPECT_TRUE(contains(result.out, "not a qualified INS")) << result.out;
}

TEST_F(CliCardsTest, PinStatusOfThePractitionerCards) {
  insertCard("cps-demo", 0);
  auto result = cli({"pin-status", "--reader", "0", "--json"});
  ASSERT_EQ(result.exitCode, 0) << result.err;
  auto json = nlohmann::json::parse(result.out);
  EXPECT_EQ(json.at("triesLeft"), 3);
  EXPECT_EQ(json.at("blocked"), false);

  insertCard("cps-one-try-left", 1);
  result = cli({"pin-status", "--reader", "1"});
  ASSERT_EQ(result.exitCode, 0) << result.err;
  EXPECT_TRUE(contains(result.out, "1 of 3 tries left")) << result.out;
  EXPECT_TRUE(contains(result.out, "one wrong PIN more blocks the card")) << result.out;
}

TEST_F(CliCardsTest, PinStatusOfAPatientCardIsAClearError) {
  insertCard("vitale-family", 0);
  const auto result = cli({"pin-status", "--reader", "0"});
  EXPECT_EQ(result.exitCode, 1);
  EXPECT_TRUE(contains(result.err, "[operation-unsupported]")) << result.err;
}

TEST_F(CliCardsTest, ReadOfAnUnknownCardNamesItsAtr) {
  insertCard("generic", 0);
  const auto result = cli({"read", "--reader", "0"});
  EXPECT_EQ(result.exitCode, 1);
  EXPECT_TRUE(contains(result.err, "[card-unsupported]")) << result.err;
  EXPECT_TRUE(contains(result.err, toHex(sim::loadProfile("generic").atr, " "))) << result.err;
}

}  // namespace
}  // namespace hcbridge::testing
