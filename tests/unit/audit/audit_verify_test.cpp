#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "apdu/expect_error.hpp"
#include "audit_test_support.hpp"
#include "hcbridge/audit_log.hpp"
#include "sha256_hex.hpp"
#include "support/temp_dir.hpp"

namespace hcbridge::testing {
namespace {

bool startsWith(const std::string& text, const std::string& prefix) {
  return text.rfind(prefix, 0) == 0;
}

// A chain of five lines, taken apart for a test to tamper with.
class AuditVerify : public ::testing::Test {
 protected:
  void SetUp() override {
    appendRecords(dir_ / "audit.log", 5);
    lines_ = splitLines(readFile(dir_ / "audit.log"));
    ASSERT_EQ(lines_.size(), 5u);
  }
  AuditVerifyResult verify(const std::vector<std::string>& lines) {
    return verifyAuditLogContent(joinLines(lines), keyed());
  }

  TempDir dir_;
  std::vector<std::string> lines_;
};

TEST_F(AuditVerify, IntactChainIsOk) {
  const auto result = verify(lines_);
  EXPECT_TRUE(result.ok);
  EXPECT_EQ(result.lines, 5u);
  EXPECT_EQ(result.firstBrokenLine, 0u);
  EXPECT_TRUE(result.reason.empty());
}

TEST_F(AuditVerify, EmptyLogIsOk) {
  const auto result = verifyAuditLogContent("", keyed());
  EXPECT_TRUE(result.ok);
  EXPECT_EQ(result.lines, 0u);
}

TEST_F(AuditVerify, EditedFieldIsReportedAtTheEditedLine) {
  auto json = nlohmann::ordered_json::parse(lines_[2]);
  json["outcome"] = "card-removed";
  lines_[2] = json.dump();
  const auto result = verify(lines_);
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.firstBrokenLine, 3u);
  EXPECT_TRUE(startsWith(result.reason, "edited")) << result.reason;
}

TEST_F(AuditVerify, EditedPrevOfTheFirstLineIsReported) {
  auto json = nlohmann::ordered_json::parse(lines_[0]);
  json["prev"] = std::string(63, '0') + "1";
  lines_[0] = json.dump();
  const auto result = verify(lines_);
  EXPECT_EQ(result.firstBrokenLine, 1u);
  EXPECT_TRUE(startsWith(result.reason, "edited")) << result.reason;
}

TEST_F(AuditVerify, DeletedLineIsReportedAtTheLineAfterTheGap) {
  lines_.erase(lines_.begin() + 2);
  const auto result = verify(lines_);
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.lines, 4u);
  EXPECT_EQ(result.firstBrokenLine, 3u);
  EXPECT_TRUE(startsWith(result.reason, "deleted: 1 line missing")) << result.reason;
}

TEST_F(AuditVerify, DeletedFirstLinesAreReported) {
  lines_.erase(lines_.begin(), lines_.begin() + 2);
  const auto result = verify(lines_);
  EXPECT_EQ(result.firstBrokenLine, 1u);
  EXPECT_TRUE(startsWith(result.reason, "deleted: 2 lines missing")) << result.reason;
}

TEST_F(AuditVerify, SwappedLinesAreReportedAtTheFirstOfThem) {
  std::swap(lines_[1], lines_[2]);
  const auto result = verify(lines_);
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.firstBrokenLine, 2u);
  EXPECT_TRUE(startsWith(result.reason, "out of order")) << result.reason;
}

TEST_F(AuditVerify, InsertedLineWithoutTheKeyIsReportedEvenWhenItLinksToTheLineBefore) {
  // A forger who knows the format makes a line that fits after line 2 and
  // renumbers the lines after it, but has no key to MAC them.
  auto forged = nlohmann::ordered_json::parse(lines_[1]);
  forged["seq"] = 3;
  forged["caller"] = "app forged";
  forged["prev"] = forged["mac"];
  lines_.insert(lines_.begin() + 2, forged.dump());
  const auto result = verify(lines_);
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.firstBrokenLine, 3u);
  EXPECT_TRUE(startsWith(result.reason, "edited: its MAC does not verify")) << result.reason;
  EXPECT_NE(result.reason.find("without the audit key"), std::string::npos) << result.reason;
}

TEST_F(AuditVerify, DuplicatedLineIsReported) {
  lines_.insert(lines_.begin() + 1, lines_[1]);
  const auto result = verify(lines_);
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.firstBrokenLine, 2u);
  EXPECT_TRUE(startsWith(result.reason, "inserted")) << result.reason;
}

TEST_F(AuditVerify, TruncatedLastLineIsReported) {
  std::string content = joinLines(lines_);
  content.resize(content.size() - 20);
  const auto result = verifyAuditLogContent(content, keyed());
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.lines, 5u);
  EXPECT_EQ(result.firstBrokenLine, 5u);
  EXPECT_TRUE(startsWith(result.reason, "truncated")) << result.reason;
}

TEST_F(AuditVerify, MissingFinalNewlineIsATruncatedLine) {
  std::string content = joinLines(lines_);
  content.pop_back();
  const auto result = verifyAuditLogContent(content, keyed());
  EXPECT_EQ(result.firstBrokenLine, 5u);
  EXPECT_TRUE(startsWith(result.reason, "truncated")) << result.reason;
}

TEST_F(AuditVerify, LineThatIsNotJsonIsReported) {
  lines_[3] = "card read by someone";
  const auto result = verify(lines_);
  EXPECT_EQ(result.firstBrokenLine, 4u);
  EXPECT_TRUE(startsWith(result.reason, "not JSON")) << result.reason;
}

// Found by fuzz_audit_verify: valid syntax, but a number with no double value
// made the JSON library throw an exception the reader did not expect.
TEST_F(AuditVerify, ANumberOutOfRangeIsReportedNotThrown) {
  lines_[2] = R"({"seq":1e400})";
  const auto result = verify(lines_);
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.firstBrokenLine, 3u);
  EXPECT_EQ(result.reason, "not JSON (a number out of range)");
}

TEST_F(AuditVerify, EmptyLineIsReported) {
  lines_.insert(lines_.begin() + 1, "");
  const auto result = verify(lines_);
  EXPECT_EQ(result.firstBrokenLine, 2u);
  EXPECT_EQ(result.reason, "empty line");
}

TEST_F(AuditVerify, LineWithoutAFieldIsReported) {
  auto json = nlohmann::ordered_json::parse(lines_[1]);
  json.erase("outcome");
  lines_[1] = json.dump();
  const auto result = verify(lines_);
  EXPECT_EQ(result.firstBrokenLine, 2u);
  EXPECT_NE(result.reason.find("'outcome'"), std::string::npos) << result.reason;
}

TEST_F(AuditVerify, JsonThatIsNotAnObjectIsReported) {
  lines_[0] = "[1,2,3]";
  const auto result = verify(lines_);
  EXPECT_EQ(result.firstBrokenLine, 1u);
  EXPECT_EQ(result.reason, "not a JSON object");
}

TEST_F(AuditVerify, ReadsTheFile) {
  const auto result = verifyAuditLog(dir_ / "audit.log", keyed());
  EXPECT_TRUE(result.ok);
  EXPECT_EQ(result.lines, 5u);
}

TEST_F(AuditVerify, MissingFileIsAnErrorNamingIt) {
  try {
    verifyAuditLog(dir_ / "absent.log", keyed());
    FAIL() << "verified a file that does not exist";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), Errc::Internal);
    EXPECT_NE(std::string(error.what()).find("absent.log"), std::string::npos);
  }
}

}  // namespace
}  // namespace hcbridge::testing
