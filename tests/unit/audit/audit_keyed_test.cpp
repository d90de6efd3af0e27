// The keyed chain and its checkpoints: each way of tampering with a log, and
// the older unkeyed format still read.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "apdu/expect_error.hpp"
#include "audit_test_support.hpp"
#include "hcbridge/audit_log.hpp"
#include "support/temp_dir.hpp"

namespace hcbridge::testing {
namespace {

bool startsWith(const std::string& text, const std::string& prefix) {
  return text.rfind(prefix, 0) == 0;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::string macOf(const std::string& line) {
  return nlohmann::json::parse(line).at("mac").get<std::string>();
}

// A keyed log of five lines, with every checkpoint it wrote to the system log.
class KeyedLog : public ::testing::Test {
 protected:
  void SetUp() override {
    AuditLogOptions options;
    options.checkpointEvery = 2;
    options.systemLog = [this](const std::string& line) { systemLog_ += line + "\n"; };
    {
      auto log = openLog(file_, std::move(options));
      for (int i = 1; i <= 5; ++i) log->append(sampleRecord(i));
      log->checkpoint();  // as the service does when it stops
    }
    lines_ = splitLines(readFile(file_));
    ASSERT_EQ(lines_.size(), 5u);
  }
  AuditVerifyResult verify(const std::vector<std::string>& lines,
                           std::vector<AuditCheckpoint> checkpoints = {}) {
    return verifyAuditLogContent(joinLines(lines), keyed(std::move(checkpoints)));
  }

  TempDir dir_;
  std::filesystem::path file_ = dir_ / "audit.log";
  std::string systemLog_;
  std::vector<std::string> lines_;
};

TEST_F(KeyedLog, CheckpointsGoToTheSystemLogAtOpenEveryNLinesAndAtStop) {
  const auto checkpoints = parseCheckpoints(systemLog_);
  ASSERT_EQ(checkpoints.size(), 4u) << systemLog_;
  EXPECT_EQ(checkpoints[0], (AuditCheckpoint{0, std::string(64, '0')}));  // a new log
  EXPECT_EQ(checkpoints[1], (AuditCheckpoint{2, macOf(lines_[1])}));
  EXPECT_EQ(checkpoints[2], (AuditCheckpoint{4, macOf(lines_[3])}));
  EXPECT_EQ(checkpoints[3], (AuditCheckpoint{5, macOf(lines_[4])}));
  EXPECT_TRUE(contains(systemLog_, "log=" + file_.string())) << systemLog_;
  const auto result = verify(lines_, checkpoints);
  EXPECT_TRUE(result.ok) << result.reason;
  EXPECT_EQ(result.checkpointsCompared, 3u);
  EXPECT_EQ(result.checkpointsOfEarlierLogs, 0u);
}

TEST_F(KeyedLog, EditedLastLineIsReportedAlthoughNoLineFollowsIt) {
  auto json = nlohmann::ordered_json::parse(lines_[4]);
  json["outcome"] = "card-removed";
  lines_[4] = json.dump();
  const auto result = verify(lines_);
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.firstBrokenLine, 5u);
  EXPECT_TRUE(startsWith(result.reason, "forged: its MAC does not verify")) << result.reason;
}

TEST_F(KeyedLog, LineAppendedWithoutTheKeyIsReported) {
  // The forger links to the real head and guesses a MAC.
  auto json = nlohmann::ordered_json::parse(lines_[4]);
  json["seq"] = 6;
  json["prev"] = macOf(lines_[4]);
  json["mac"] = std::string(64, 'a');
  lines_.push_back(json.dump());
  const auto result = verify(lines_);
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.firstBrokenLine, 6u);
  EXPECT_TRUE(contains(result.reason, "without the audit key")) << result.reason;
}

TEST_F(KeyedLog, LineAppendedWithAnotherKeyIsReported) {
  const AuditKey otherKey = testKey('x');
  lines_.push_back(audit::formatLine(sampleRecord(6), "2024-05-01T10:00:00.000Z", 6,
                                     macOf(lines_[4]), &otherKey));
  const auto result = verify(lines_);
  EXPECT_EQ(result.firstBrokenLine, 6u);
  EXPECT_TRUE(startsWith(result.reason, "forged")) << result.reason;
}

TEST_F(KeyedLog, DeletedLineIsReported) {
  lines_.erase(lines_.begin() + 1);
  const auto result = verify(lines_);
  EXPECT_EQ(result.firstBrokenLine, 2u);
  EXPECT_TRUE(startsWith(result.reason, "deleted: 1 line missing")) << result.reason;
}

TEST_F(KeyedLog, ReorderedLinesAreReported) {
  std::swap(lines_[2], lines_[3]);
  const auto result = verify(lines_);
  EXPECT_EQ(result.firstBrokenLine, 3u);
  EXPECT_TRUE(startsWith(result.reason, "out of order")) << result.reason;
}

TEST_F(KeyedLog, MacMovedBeforeAnotherMemberIsRefused) {
  auto json = nlohmann::ordered_json::parse(lines_[1]);
  const auto mac = json["mac"];
  json.erase("mac");
  nlohmann::ordered_json moved{{"mac", mac}};
  moved.update(json);
  lines_[1] = moved.dump();
  const auto result = verify(lines_);
  EXPECT_EQ(result.firstBrokenLine, 2u);
  EXPECT_EQ(result.reason, "field 'mac' is not the line's last member");
}

// Without a checkpoint the shorter log is a valid log: the limit the
// checkpoints are there for.
TEST_F(KeyedLog, TailCutOffIsOnlyCaughtByACheckpoint) {
  lines_.resize(3);
  EXPECT_TRUE(verify(lines_).ok);
  const auto result = verify(lines_, parseCheckpoints(systemLog_));
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.lines, 3u);
  EXPECT_EQ(result.firstBrokenLine, 4u);
  EXPECT_TRUE(startsWith(result.reason, "truncated: a checkpoint recorded line 4"))
      << result.reason;
  EXPECT_TRUE(contains(result.reason, "1 line cut off the end")) << result.reason;
}

TEST_F(KeyedLog, WholeLogRemovedIsCaughtByACheckpoint) {
  const auto result = verifyAuditLogContent("", keyed(parseCheckpoints(systemLog_)));
  EXPECT_FALSE(result.ok);
  EXPECT_TRUE(startsWith(result.reason, "truncated")) << result.reason;
}

TEST_F(KeyedLog, LogRewrittenWithoutTheKeyIsCaughtByACheckpoint) {
  // An unkeyed log of the same length passes the chain check (old format),
  // but not the checkpoints.
  const std::string rewritten = unkeyedLog(5);
  const auto chainOnly = verifyAuditLogContent(rewritten, keyed());
  EXPECT_TRUE(chainOnly.ok);
  EXPECT_EQ(chainOnly.unkeyedLines, 5u);
  const auto result = verifyAuditLogContent(rewritten, keyed(parseCheckpoints(systemLog_)));
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.firstBrokenLine, 2u);
  EXPECT_TRUE(startsWith(result.reason, "forged: the log up to line 2")) << result.reason;
}

TEST_F(KeyedLog, CheckpointGivenByHandIsCompared) {
  EXPECT_TRUE(verify(lines_, {parseCheckpointArgument("5:" + macOf(lines_[4]))}).ok);
  const auto result = verify(lines_, {parseCheckpointArgument("4:" + macOf(lines_[4]))});
  EXPECT_EQ(result.firstBrokenLine, 4u);
  EXPECT_TRUE(startsWith(result.reason, "forged")) << result.reason;
}

TEST_F(KeyedLog, CheckpointsOfAnEarlierLogAreNotCompared) {
  // The log was archived and a new one started: its checkpoints follow a seq 0 one.
  const std::string journal =
      systemLog_ + "Jun 01 hcbridged[7]: " + formatCheckpoint({0, std::string(64, '0')}) + "\n";
  const auto result = verify(lines_, parseCheckpoints(journal));
  EXPECT_TRUE(result.ok) << result.reason;
  EXPECT_EQ(result.checkpointsCompared, 0u);
  EXPECT_EQ(result.checkpointsOfEarlierLogs, 4u);
}

TEST_F(KeyedLog, WrongKeyIsNamedAsSuch) {
  const AuditKey otherKey = testKey('x');
  const auto result = verifyAuditLogContent(joinLines(lines_), {&otherKey, {}});
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.firstBrokenLine, 1u);
  EXPECT_TRUE(startsWith(result.reason, "wrong key")) << result.reason;
}

TEST_F(KeyedLog, WithoutTheKeyTheVerdictSaysTheKeyIsNeeded) {
  const auto result = verifyAuditLogContent(joinLines(lines_));
  EXPECT_FALSE(result.ok);
  EXPECT_TRUE(result.keyNeeded);
  EXPECT_EQ(result.firstBrokenLine, 1u);
}

TEST_F(KeyedLog, ReopeningWithAnotherKeyIsRefused) {
  try {
    AuditLog::open(file_, testKey('x'));
    FAIL() << "continued a log written with another key";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), Errc::AuditKeyMismatch);
    EXPECT_TRUE(contains(error.what(), file_.string())) << error.what();
    EXPECT_TRUE(contains(error.hint(), "audit_key_file")) << error.hint();
  }
}

TEST_F(KeyedLog, ACheckpointFileGetsEachCheckpointWithItsTime) {
  const auto checkpointFile = dir_ / "elsewhere.checkpoints";
  AuditLogOptions options;
  options.checkpointEvery = 3;
  options.checkpointFile = checkpointFile;
  {
    auto log = openLog(file_, std::move(options));  // checkpoint: line 5
    log->append(sampleRecord(6));                   // checkpoint: line 6
  }
  const auto checkpoints = parseCheckpoints(readFile(checkpointFile));
  ASSERT_EQ(checkpoints.size(), 2u);
  EXPECT_EQ(checkpoints[0].seq, 5u);
  EXPECT_EQ(checkpoints[1].seq, 6u);
  EXPECT_TRUE(std::isdigit(static_cast<unsigned char>(readFile(checkpointFile)[0])));
  EXPECT_TRUE(verifyAuditLog(file_, keyed(checkpoints)).ok);
}

TEST(AuditCheckpoints, AnUnwritableCheckpointFileIsAnErrorAtOpen) {
  TempDir dir;
  AuditLogOptions options;
  options.checkpointFile = dir / "no-such-folder" / "checkpoints";
  try {
    openLog(dir / "audit.log", std::move(options));
    FAIL() << "opened with a checkpoint file that cannot be written";
  } catch (const Error& error) {
    EXPECT_TRUE(contains(error.what(), "no-such-folder/checkpoints")) << error.what();
    EXPECT_TRUE(contains(error.hint(), "audit_checkpoint_file")) << error.hint();
  }
}

TEST(AuditCheckpoints, JournalLinesAreReadAndMalformedOnesRefused) {
  const std::string head(64, 'c');
  const std::string journal =
      "-- Logs begin --\n"
      "Jun 01 10:00:00 host hcbridged[42]: audit checkpoint seq=100 head=" +
      head +
      " log=/var/log/hcbridge/audit.log\n"
      "Jun 01 10:00:01 host hcbridged[42]: event card.inserted reader='R'\n"
      "audit checkpoint seq=200 head=" +
      head + "\n";
  const auto checkpoints = parseCheckpoints(journal);
  ASSERT_EQ(checkpoints.size(), 2u);
  EXPECT_EQ(checkpoints[0], (AuditCheckpoint{100, head}));
  EXPECT_EQ(checkpoints[1].seq, 200u);
  EXPECT_ERRC(parseCheckpoints("audit checkpoint seq=x head=" + head), Errc::BadRequest);
  EXPECT_ERRC(parseCheckpoints("audit checkpoint seq=1 head=abc"), Errc::BadRequest);
  EXPECT_ERRC(parseCheckpoints("audit checkpoint seq=1 head=" + head + "0"), Errc::BadRequest);
}

TEST(AuditCheckpoints, CommandLineFormIsSeqColonHead) {
  const std::string head(64, 'd');
  EXPECT_EQ(parseCheckpointArgument("1200:" + head), (AuditCheckpoint{1200, head}));
  EXPECT_EQ(parseCheckpointArgument("7:" + std::string(64, 'D')), (AuditCheckpoint{7, head}));
  for (const std::string& bad : {std::string("1200"), "1200:" + head.substr(1), ":" + head,
                                 "-1:" + head, "12:" + head + " x", "12:" + head + "0"}) {
    EXPECT_ERRC(parseCheckpointArgument(bad), Errc::BadRequest);
  }
}

// The format before the audit key is still read and checked.
TEST(UnkeyedLog, IsCheckedAndCountedAsUnkeyed) {
  const auto result = verifyAuditLogContent(unkeyedLog(4), keyed());
  EXPECT_TRUE(result.ok) << result.reason;
  EXPECT_EQ(result.unkeyedLines, 4u);
  // Without a key too: there is nothing keyed to check.
  EXPECT_TRUE(verifyAuditLogContent(unkeyedLog(4)).ok);
  auto lines = splitLines(unkeyedLog(4));
  lines.erase(lines.begin() + 1);
  const auto broken = verifyAuditLogContent(joinLines(lines), keyed());
  EXPECT_EQ(broken.firstBrokenLine, 2u);
  EXPECT_TRUE(startsWith(broken.reason, "deleted")) << broken.reason;
}

TEST(UnkeyedLog, IsContinuedWithKeyedLinesAndTheMixedLogVerifies) {
  TempDir dir;
  const auto file = dir / "audit.log";
  writeFile(file, unkeyedLog(3));
  appendRecords(file, 2);  // the upgraded service
  const auto lines = splitLines(readFile(file));
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_FALSE(nlohmann::json::parse(lines[2]).contains("mac"));
  // The first keyed line links to the last unkeyed one by its SHA-256.
  EXPECT_EQ(nlohmann::json::parse(lines[3]).at("prev"), audit::sha256Hex(lines[2]));
  const auto result = verifyAuditLog(file, keyed());
  EXPECT_TRUE(result.ok) << result.reason;
  EXPECT_EQ(result.unkeyedLines, 3u);

  // The keyed line now anchors the unkeyed part: rewriting it, even with a
  // recomputed SHA-256 chain, breaks the link.
  std::string rewritten = unkeyedLog(3);
  rewritten.replace(rewritten.find("holder.name"), 11, "holder.NAME");
  auto relinked = splitLines(rewritten);
  for (std::size_t i = 1; i < relinked.size(); ++i) {
    auto json = nlohmann::ordered_json::parse(relinked[i]);
    json["prev"] = audit::sha256Hex(relinked[i - 1]);
    relinked[i] = json.dump();
  }
  relinked.push_back(lines[3]);
  relinked.push_back(lines[4]);
  const auto forged = verifyAuditLogContent(joinLines(relinked), keyed());
  EXPECT_FALSE(forged.ok);
  EXPECT_EQ(forged.firstBrokenLine, 3u);
  EXPECT_TRUE(startsWith(forged.reason, "edited")) << forged.reason;
}

TEST(UnkeyedLog, AnUnkeyedLineAfterKeyedOnesIsRefused) {
  TempDir dir;
  const auto file = dir / "audit.log";
  appendRecords(file, 2);
  auto lines = splitLines(readFile(file));
  const std::string unkeyed =
      audit::formatLine(sampleRecord(3), "2024-05-01T10:00:00.000Z", 3, macOf(lines[1]), nullptr);
  lines.push_back(unkeyed);
  const auto result = verifyAuditLogContent(joinLines(lines), keyed());
  EXPECT_EQ(result.firstBrokenLine, 3u);
  EXPECT_TRUE(startsWith(result.reason, "inserted: an unkeyed line after keyed ones"))
      << result.reason;
}

TEST(AuditKeyFile, IsCreatedOnceWithMode0600AndLoadedAgain) {
  TempDir dir;
  const auto file = dir / "audit.key";
  const mode_t previous = umask(0);
  const AuditKey created = AuditKey::loadOrCreate(file);
  umask(previous);
  struct stat info {};
  ASSERT_EQ(stat(file.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 07777, 0600u);
  EXPECT_EQ(info.st_size, 32);
  EXPECT_EQ(AuditKey::load(file).macHex("line"), created.macHex("line"));
  EXPECT_EQ(AuditKey::loadOrCreate(file).macHex("line"), created.macHex("line"));
  EXPECT_NE(AuditKey::loadOrCreate(dir / "other.key").macHex("line"), created.macHex("line"));
}

TEST(AuditKeyFile, MissingKeyIsATypedErrorNamingTheFileAndHowToReadIt) {
  TempDir dir;
  try {
    AuditKey::load(dir / "audit.key");
    FAIL() << "loaded a key that does not exist";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), Errc::KeyFileUnavailable);
    EXPECT_TRUE(contains(error.what(), (dir / "audit.key").string())) << error.what();
    EXPECT_TRUE(contains(error.hint(), "sudo")) << error.hint();
    EXPECT_TRUE(contains(error.hint(), "--key")) << error.hint();
  }
}

TEST(AuditKeyFile, KeyOfTheWrongSizeIsRefused) {
  TempDir dir;
  writeFile(dir / "audit.key", std::string(31, 'k'));
  EXPECT_ERRC(AuditKey::load(dir / "audit.key"), Errc::KeyFileUnavailable);
  // The service never replaces a damaged key: that would orphan the log.
  EXPECT_ERRC(AuditKey::loadOrCreate(dir / "audit.key"), Errc::KeyFileUnavailable);
  EXPECT_EQ(readFile(dir / "audit.key").size(), 31u);
}

TEST(AuditKeyFile, UnreadableKeyNamesTheFileForTheService) {
  if (geteuid() == 0) GTEST_SKIP() << "root reads any file";
  TempDir dir;
  writeFile(dir / "audit.key", std::string(32, 'k'));
  chmod((dir / "audit.key").c_str(), 0);
  try {
    AuditKey::loadOrCreate(dir / "audit.key");
    FAIL() << "read a key without permission";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), Errc::KeyFileUnavailable);
    EXPECT_TRUE(contains(error.what(), "Permission denied")) << error.what();
    EXPECT_TRUE(contains(error.hint(), "chown hcbridge")) << error.hint();
  }
}

TEST(AuditKeyFile, UncreatableKeyNamesTheFolderProblem) {
  try {
    AuditKey::loadOrCreate("/nonexistent-folder-hcbridge/audit.key");
    FAIL() << "created a key in a folder that does not exist";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), Errc::KeyFileUnavailable);
    EXPECT_TRUE(contains(error.what(), "Cannot create the audit key")) << error.what();
  }
}

}  // namespace
}  // namespace hcbridge::testing
