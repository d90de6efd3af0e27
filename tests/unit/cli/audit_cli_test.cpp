// hcbridge audit verify FILE [--key] [--checkpoint] [--checkpoints], and the
// listing of hcbridge audit show (the card reading is in tests/integration).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "audit_show.hpp"
#include "cli_test_support.hpp"
#include "hcbridge/audit_log.hpp"
#include "support/temp_dir.hpp"

namespace hcbridge::testing {
namespace {

AuditRecord record() {
  return {"patient-card.read", "app pos", std::nullopt, "00ff", {"holder"}, "ok", {}};
}

// A keyed log of `lines` lines; its key is dir/audit.key, its checkpoints in
// dir/checkpoints.
std::filesystem::path writeLog(const TempDir& dir, int lines) {
  const auto file = dir / "audit.log";
  AuditLogOptions options;
  options.checkpointEvery = 2;
  options.checkpointFile = dir / "checkpoints";
  auto log = AuditLog::open(file, AuditKey::loadOrCreate(dir / "audit.key"), std::move(options));
  for (int i = 0; i < lines; ++i) log->append(record());
  return file;
}

std::vector<std::string> verifyArgs(const TempDir& dir, const std::filesystem::path& file) {
  return {"audit", "verify", file.string(), "--key", (dir / "audit.key").string()};
}

// Two lines as hcbridge 0.1 wrote them (SHA-256 chain, no key).
const std::string kUnkeyedLog =
    R"({"time":"2024-05-01T10:00:00.000Z","seq":1,"action":"patient-card.read","caller":"app pos","practitioner":null,"cardSerialHash":"00ff","fields":["holder"],"outcome":"ok","prev":"0000000000000000000000000000000000000000000000000000000000000000"})"
    "\n";

TEST(AuditCli, IntactKeyedLogSaysHowManyLinesAndTheCheckpoints) {
  TempDir dir;
  const auto file = writeLog(dir, 3);
  auto args = verifyArgs(dir, file);
  auto result = cli(args);
  EXPECT_EQ(result.exitCode, 0) << result.err;
  EXPECT_TRUE(result.out.starts_with("3 lines, chain intact (keyed, HMAC-SHA-256)\n"))
      << result.out;
  EXPECT_TRUE(contains(result.out, "no checkpoint compared")) << result.out;

  args.insert(args.end(), {"--checkpoints", (dir / "checkpoints").string()});
  result = cli(args);
  EXPECT_EQ(result.exitCode, 0) << result.err;
  EXPECT_TRUE(contains(result.out, "1 checkpoint matches")) << result.out;
}

TEST(AuditCli, EditedLineIsNamed) {
  TempDir dir;
  const auto file = writeLog(dir, 3);
  std::string content = readFile(file);
  const auto second = content.find('\n') + 1;
  const auto holder = content.find("holder", second);
  content.replace(holder, 6, "HOLDER");
  writeFile(file, content);
  const auto result = cli(verifyArgs(dir, file));
  EXPECT_EQ(result.exitCode, 1);
  EXPECT_TRUE(result.out.starts_with("line 2: edited")) << result.out;
}

TEST(AuditCli, TailCutOffIsTruncatedAgainstTheCheckpoints) {
  TempDir dir;
  const auto file = writeLog(dir, 4);
  const std::string content = readFile(file);
  writeFile(file, content.substr(0, content.rfind('\n', content.size() - 2) + 1));
  auto args = verifyArgs(dir, file);
  EXPECT_EQ(cli(args).exitCode, 0);  // a shorter log is valid on its own
  args.insert(args.end(), {"--checkpoints", (dir / "checkpoints").string()});
  const auto result = cli(args);
  EXPECT_EQ(result.exitCode, 1);
  EXPECT_TRUE(result.out.starts_with("line 4: truncated")) << result.out;
}

TEST(AuditCli, CheckpointOnTheCommandLineIsCompared) {
  TempDir dir;
  const auto file = writeLog(dir, 2);
  auto args = verifyArgs(dir, file);
  args.insert(args.end(), {"--checkpoint", "2:" + std::string(64, 'a')});
  const auto result = cli(args);
  EXPECT_EQ(result.exitCode, 1);
  EXPECT_TRUE(result.out.starts_with("line 2: forged")) << result.out;
  args.back() = "2:short";
  const auto bad = cli(args);
  EXPECT_NE(bad.exitCode, 0);
  EXPECT_TRUE(contains(bad.err, "SEQ:HEAD")) << bad.err;
}

TEST(AuditCli, KeyedLogWithoutItsKeyIsATypedErrorNamingTheKeyFile) {
  TempDir dir;
  const auto file = writeLog(dir, 2);
  const auto absent = dir / "absent.key";
  const auto result = cli({"audit", "verify", file.string(), "--key", absent.string()});
  EXPECT_EQ(result.exitCode, 1);
  EXPECT_TRUE(contains(result.err, "[key-file-unavailable]")) << result.err;
  EXPECT_TRUE(contains(result.err, absent.string())) << result.err;
  EXPECT_TRUE(contains(result.err, "sudo")) << result.err;
}

TEST(AuditCli, WrongKeyIsSaid) {
  TempDir dir;
  const auto file = writeLog(dir, 2);
  AuditKey::loadOrCreate(dir / "other.key");
  const auto result =
      cli({"audit", "verify", file.string(), "--key", (dir / "other.key").string()});
  EXPECT_EQ(result.exitCode, 1);
  EXPECT_TRUE(result.out.starts_with("line 1: wrong key")) << result.out;
}

TEST(AuditCli, UnkeyedOldLogIsCheckedAndReportedAsUnprotected) {
  TempDir dir;
  writeFile(dir / "audit.log", kUnkeyedLog);
  const auto result = cli(
      {"audit", "verify", (dir / "audit.log").string(), "--key", (dir / "absent.key").string()});
  EXPECT_EQ(result.exitCode, 0) << result.err;
  EXPECT_TRUE(contains(result.out,
                       "unkeyed (SHA-256 chain, hcbridge 0.1 format): integrity not "
                       "protected against someone with write access"))
      << result.out;
}

TEST(AuditCli, UpgradedLogIsReportedAsMixed) {
  TempDir dir;
  writeFile(dir / "audit.log", kUnkeyedLog);
  const auto file = writeLog(dir, 2);
  const auto result = cli(verifyArgs(dir, file));
  EXPECT_EQ(result.exitCode, 0) << result.err << result.out;
  EXPECT_TRUE(contains(result.out, "lines 1-1 unkeyed")) << result.out;
  EXPECT_TRUE(contains(result.out, "keyed (HMAC-SHA-256) from line 2")) << result.out;
}

TEST(AuditCli, MissingFileIsAnErrorNamingIt) {
  TempDir dir;
  const auto result = cli({"audit", "verify", (dir / "absent.log").string()});
  EXPECT_EQ(result.exitCode, 1);
  EXPECT_TRUE(contains(result.err, "absent.log")) << result.err;
  EXPECT_TRUE(contains(result.err, "[internal]")) << result.err;
}

TEST(AuditCli, HelpAndUsageErrors) {
  for (const std::vector<std::string>& args : {std::vector<std::string>{"audit", "--help"},
                                               {"audit", "verify", "--help"},
                                               {"audit", "show", "--help"}}) {
    const auto result = cli(args);
    EXPECT_EQ(result.exitCode, 0);
    EXPECT_TRUE(contains(result.out, "Usage: hcbridge audit")) << result.out;
    EXPECT_TRUE(contains(result.out, "Example")) << result.out;
  }
  EXPECT_TRUE(contains(cli({"audit", "verify", "--help"}).out, "journalctl -u hcbridged"));
  EXPECT_EQ(cli({"audit", "verify"}).exitCode, 2);
  EXPECT_EQ(cli({"audit"}).exitCode, 2);
}

TEST(AuditShowListing, SaysWhenWhoWhatAndWhy) {
  AuditAccess access;
  access.seq = 7;
  access.time = "2024-05-01T10:00:00.000Z";
  access.action = "record-access";
  access.caller = "origin https://dmp.example";
  access.practitioner = "DOC / 810000000001";
  access.fields = {"holder.name"};
  access.outcome = "ok";
  access.purpose = "emergency";
  access.justification = "unconscious";
  std::ostringstream text;
  cli::printCardAccesses(text, "00ff", {access}, false);
  EXPECT_TRUE(contains(text.str(), "1 access to this card")) << text.str();
  for (const char* part : {"2024-05-01T10:00:00.000Z", "record-access", "https://dmp.example",
                           "DOC / 810000000001", "holder.name", "emergency", "unconscious"}) {
    EXPECT_TRUE(contains(text.str(), part)) << part << " in " << text.str();
  }
  std::ostringstream json;
  cli::printCardAccesses(json, "00ff", {access}, true);
  const auto parsed = nlohmann::json::parse(json.str());
  EXPECT_EQ(parsed.at("cardSerialHash"), "00ff");
  EXPECT_EQ(parsed.at("accesses").at(0).at("purpose"), "emergency");
  EXPECT_EQ(parsed.at("accesses").at(0).at("seq"), 7);
  std::ostringstream none;
  cli::printCardAccesses(none, "00ff", {}, false);
  EXPECT_EQ(none.str(), "No access to this card is recorded on this workstation.\n");
}

}  // namespace
}  // namespace hcbridge::testing
