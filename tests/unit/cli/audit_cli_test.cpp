// hcbridge audit verify FILE
#include <gtest/gtest.h>

#include "cli_test_support.hpp"
#include "hcbridge/audit_log.hpp"
#include "support/temp_dir.hpp"

namespace hcbridge::testing {
namespace {

std::filesystem::path writeLog(const TempDir& dir, int lines) {
  const auto file = dir / "audit.log";
  auto log = AuditLog::open(file);
  for (int i = 0; i < lines; ++i) {
    log->append({"patient-card.read", "app pos", std::nullopt, "00ff", {"holder"}, "ok", {}});
  }
  return file;
}

TEST(AuditCli, IntactLogSaysHowManyLines) {
  TempDir dir;
  const auto result = cli({"audit", "verify", writeLog(dir, 3).string()});
  EXPECT_EQ(result.exitCode, 0) << result.err;
  EXPECT_EQ(result.out, "3 lines, chain intact\n");
}

TEST(AuditCli, BrokenLogNamesTheFirstBrokenLine) {
  TempDir dir;
  const auto file = writeLog(dir, 3);
  std::string content = readFile(file);
  const auto second = content.find('\n') + 1;
  const auto holder = content.find("holder", second);
  content.replace(holder, 6, "HOLDER");
  writeFile(file, content);
  const auto result = cli({"audit", "verify", file.string()});
  EXPECT_EQ(result.exitCode, 1);
  EXPECT_TRUE(result.out.starts_with("line 2: edited")) << result.out;
}

TEST(AuditCli, MissingFileIsAnErrorNamingIt) {
  TempDir dir;
  const auto result = cli({"audit", "verify", (dir / "absent.log").string()});
  EXPECT_EQ(result.exitCode, 1);
  EXPECT_TRUE(contains(result.err, "absent.log")) << result.err;
  EXPECT_TRUE(contains(result.err, "[internal]")) << result.err;
}

TEST(AuditCli, HelpAndUsageErrors) {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"audit", "--help"}, {"audit", "verify", "--help"}}) {
    const auto result = cli(args);
    EXPECT_EQ(result.exitCode, 0);
    EXPECT_TRUE(contains(result.out, "Usage: hcbridge audit")) << result.out;
    EXPECT_TRUE(contains(result.out, "Example")) << result.out;
  }
  EXPECT_EQ(cli({"audit", "verify"}).exitCode, 2);
  EXPECT_EQ(cli({"audit"}).exitCode, 2);
}

}  // namespace
}  // namespace hcbridge::testing
