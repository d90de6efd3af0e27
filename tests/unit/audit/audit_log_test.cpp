#include "hcbridge/audit_log.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "apdu/expect_error.hpp"
#include "audit_test_support.hpp"
#include "sha256_hex.hpp"
#include "support/temp_dir.hpp"

namespace hcbridge::testing {
namespace {

unsigned modeOf(const std::filesystem::path& file) {
  struct stat info {};
  EXPECT_EQ(stat(file.c_str(), &info), 0);
  return info.st_mode & 07777;
}

TEST(AuditLog, WritesOneJsonLineWithEveryField) {
  TempDir dir;
  const auto file = dir / "audit.log";
  AuditRecord record = sampleRecord(1);
  openLog(file)->append(record);

  const auto lines = splitLines(readFile(file));
  ASSERT_EQ(lines.size(), 1u);
  const auto json = nlohmann::json::parse(lines[0]);
  EXPECT_TRUE(std::regex_match(json.at("time").get<std::string>(),
                               std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")))
      << json.at("time");
  EXPECT_EQ(json.at("seq"), 1);
  EXPECT_EQ(json.at("action"), record.action);
  EXPECT_EQ(json.at("caller"), record.caller);
  EXPECT_EQ(json.at("practitioner"), *record.practitioner);
  EXPECT_EQ(json.at("cardSerialHash"), record.cardSerialHash);
  EXPECT_EQ(json.at("fields"), nlohmann::json(record.fields));
  EXPECT_EQ(json.at("outcome"), "ok");
  EXPECT_EQ(json.at("prev"), std::string(64, '0'));
}

TEST(AuditLog, DetailsAreAnObjectOnlyWhenGivenAndVerify) {
  TempDir dir;
  const auto file = dir / "audit.log";
  {
    auto log = openLog(file);
    log->append(sampleRecord(1));
    AuditRecord issued = sampleRecord(2);
    issued.action = "record-access.issue";
    issued.details = {{"audience", "https://dmp.example"}, {"purpose", "normal"}};
    log->append(issued);
    log->append(sampleRecord(3));
  }
  const auto lines = splitLines(readFile(file));
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_FALSE(nlohmann::json::parse(lines[0]).contains("details"));
  EXPECT_EQ(nlohmann::json::parse(lines[1]).at("details"),
            (nlohmann::json{{"audience", "https://dmp.example"}, {"purpose", "normal"}}));
  EXPECT_TRUE(verifyAuditLog(file, keyed()).ok) << verifyAuditLog(file, keyed()).reason;

  // A detail that is not a string breaks the line even where the chain would not notice.
  std::string content = readFile(file);
  const std::string edited =
      std::regex_replace(content, std::regex(R"("purpose":"normal")"), R"("purpose":7)");
  const auto result = verifyAuditLogContent(edited, keyed());
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.firstBrokenLine, 2u);
  EXPECT_NE(result.reason.find("details.purpose"), std::string::npos) << result.reason;
}

TEST(AuditLog, UnknownPractitionerIsNull) {
  TempDir dir;
  openLog(dir / "audit.log")->append(sampleRecord(2));
  const auto json = nlohmann::json::parse(readFile(dir / "audit.log"));
  EXPECT_TRUE(json.at("practitioner").is_null());
}

TEST(AuditLog, EachLineCarriesTheMacOfTheLineBeforeAndItsOwn) {
  TempDir dir;
  const auto file = dir / "audit.log";
  appendRecords(file, 5);
  const auto lines = splitLines(readFile(file));
  ASSERT_EQ(lines.size(), 5u);
  std::string previousMac(64, '0');
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const auto json = nlohmann::ordered_json::parse(lines[i]);
    EXPECT_EQ(json.at("prev"), previousMac) << "line " << i + 1;
    EXPECT_EQ(json.at("seq"), i + 1);
    // The MAC is the last member and covers every byte before it.
    const std::string mac = json.at("mac").get<std::string>();
    const std::string suffix = ",\"mac\":\"" + mac + "\"}";
    ASSERT_TRUE(lines[i].ends_with(suffix)) << lines[i];
    EXPECT_EQ(mac,
              sharedTestKey().macHex(lines[i].substr(0, lines[i].size() - suffix.size()) + "}"));
    previousMac = mac;
  }
  const auto result = verifyAuditLog(file, keyed());
  EXPECT_TRUE(result.ok) << result.reason;
  EXPECT_EQ(result.lines, 5u);
  EXPECT_EQ(result.unkeyedLines, 0u);
  EXPECT_EQ(result.firstBrokenLine, 0u);
}

TEST(AuditLog, ReopeningContinuesTheChain) {
  TempDir dir;
  const auto file = dir / "audit.log";
  appendRecords(file, 2);
  appendRecords(file, 3);
  const auto result = verifyAuditLog(file, keyed());
  EXPECT_TRUE(result.ok) << "line " << result.firstBrokenLine << ": " << result.reason;
  EXPECT_EQ(result.lines, 5u);
}

TEST(AuditLog, ConcurrentAppendsKeepAValidChain) {
  TempDir dir;
  const auto file = dir / "audit.log";
  constexpr int kThreads = 4;
  constexpr int kPerThread = 50;
  {
    auto log = openLog(file);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&log, t] {
        for (int i = 0; i < kPerThread; ++i) log->append(sampleRecord(t * kPerThread + i));
      });
    }
    for (auto& thread : threads) thread.join();
  }
  const auto result = verifyAuditLog(file, keyed());
  EXPECT_TRUE(result.ok) << "line " << result.firstBrokenLine << ": " << result.reason;
  EXPECT_EQ(result.lines, static_cast<std::size_t>(kThreads * kPerThread));
}

TEST(AuditLog, FileIsPrivateWhateverTheUmask) {
  TempDir dir;
  const mode_t previous = umask(0);
  openLog(dir / "audit.log")->append(sampleRecord(1));
  umask(previous);
  EXPECT_EQ(modeOf(dir / "audit.log"), 0600u);
}

TEST(AuditLog, ExistingFileIsMadePrivate) {
  TempDir dir;
  const auto file = dir / "audit.log";
  writeFile(file, "");
  chmod(file.c_str(), 0644);
  openLog(file);
  EXPECT_EQ(modeOf(file), 0600u);
}

TEST(AuditLog, ASecondWriterIsRefused) {
  TempDir dir;
  const auto file = dir / "audit.log";
  auto first = openLog(file);
  EXPECT_ERRC(openLog(file), Errc::Internal);
  first.reset();
  EXPECT_NO_THROW(openLog(file));
}

TEST(AuditLog, RefusesToContinueAnIncompleteLastLine) {
  TempDir dir;
  const auto file = dir / "audit.log";
  appendRecords(file, 2);
  const std::string content = readFile(file);
  writeFile(file, content.substr(0, content.size() - 10));
  try {
    openLog(file);
    FAIL() << "continued a log whose last line is cut";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), Errc::Internal);
    EXPECT_NE(std::string(error.what()).find(file.string()), std::string::npos) << error.what();
    EXPECT_NE(error.hint().find("hcbridge audit verify"), std::string::npos);
  }
}

TEST(AuditLog, RefusesToContinueAFileThatIsNotAnAuditLog) {
  TempDir dir;
  const auto file = dir / "audit.log";
  writeFile(file, "some other log\n");
  EXPECT_ERRC(openLog(file), Errc::Internal);
}

TEST(AuditLog, MissingFolderIsAnErrorNamingTheFile) {
  try {
    openLog("/nonexistent-folder-hcbridge/audit.log");
    FAIL() << "opened a log in a folder that does not exist";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), Errc::Internal);
    EXPECT_NE(std::string(error.what()).find("/nonexistent-folder-hcbridge/audit.log"),
              std::string::npos);
  }
}

TEST(AuditLog, CallerThatIsNotUtf8IsKeptReadable) {
  TempDir dir;
  const auto file = dir / "audit.log";
  AuditRecord record = sampleRecord(1);
  record.caller = "origin https://\xff\xfe.example";
  {
    auto log = openLog(file);
    log->append(record);
    log->append(sampleRecord(2));
  }
  EXPECT_TRUE(verifyAuditLog(file, keyed()).ok);
  const auto json = nlohmann::json::parse(splitLines(readFile(file))[0]);
  EXPECT_EQ(json.at("caller"), "origin https://\xEF\xBF\xBD\xEF\xBF\xBD.example");
}

TEST(AuditLog, ControlCharactersCannotSplitALine) {
  TempDir dir;
  const auto file = dir / "audit.log";
  AuditRecord record = sampleRecord(1);
  record.caller = "app evil\n{\"forged\":true}";
  openLog(file)->append(record);
  EXPECT_EQ(splitLines(readFile(file)).size(), 1u);
  EXPECT_TRUE(verifyAuditLog(file, keyed()).ok);
}

}  // namespace
}  // namespace hcbridge::testing
