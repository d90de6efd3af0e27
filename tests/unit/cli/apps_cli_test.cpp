// hcbridge apps add | list | remove
#include <gtest/gtest.h>
#include <stdlib.h>

#include <nlohmann/json.hpp>
#include <regex>

#include "cli_test_support.hpp"
#include "hcbridge/app_keys.hpp"
#include "support/temp_dir.hpp"

namespace hcbridge::testing {
namespace {

std::string keyIn(const std::string& output) {
  std::smatch match;
  if (!std::regex_search(output, match, std::regex("hcb_[A-Za-z0-9_-]{43}"))) return {};
  return match.str();
}

std::size_t occurrences(const std::string& text, const std::string& part) {
  std::size_t count = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++count;
  return count;
}

// Sets an environment variable for one test.
class ScopedEnvironment {
 public:
  ScopedEnvironment(const char* name, const std::string& value) : name_(name) {
    setenv(name, value.c_str(), 1);
  }
  ~ScopedEnvironment() { unsetenv(name_); }
  ScopedEnvironment(const ScopedEnvironment&) = delete;
  ScopedEnvironment& operator=(const ScopedEnvironment&) = delete;

 private:
  const char* name_;
};

TEST(AppsCli, AddPrintsAWorkingKeyOnceWithHowToUseIt) {
  TempDir dir;
  const auto keys = (dir / "keys.json").string();
  const auto result = cli({"apps", "add", "pharmacy-pos", "--keys", keys});
  ASSERT_EQ(result.exitCode, 0) << result.err;
  const std::string key = keyIn(result.out);
  ASSERT_FALSE(key.empty()) << result.out;
  EXPECT_EQ(occurrences(result.out, key), 1u) << result.out;
  EXPECT_TRUE(contains(result.out, "will not be shown again")) << result.out;
  EXPECT_TRUE(contains(result.out, "Authorization: Bearer <key>")) << result.out;
  EXPECT_TRUE(result.err.empty()) << result.err;
  EXPECT_EQ(AppKeyStore::open(keys).authenticate(key), "pharmacy-pos");
}

TEST(AppsCli, ListShowsNamesAndFingerprintsButNoKey) {
  TempDir dir;
  const auto keys = (dir / "keys.json").string();
  const std::string key = keyIn(cli({"apps", "add", "pos", "--keys", keys}).out);
  cli({"apps", "add", "lab", "--keys", keys});
  const auto fingerprint = AppKeyStore::open(keys).list().at(0).fingerprint;

  const auto text = cli({"apps", "list", "--keys", keys});
  ASSERT_EQ(text.exitCode, 0) << text.err;
  EXPECT_TRUE(contains(text.out, "pos")) << text.out;
  EXPECT_TRUE(contains(text.out, "lab")) << text.out;
  EXPECT_TRUE(contains(text.out, fingerprint)) << text.out;
  EXPECT_FALSE(contains(text.out, key)) << text.out;

  const auto json = cli({"apps", "list", "--keys", keys, "--json"});
  ASSERT_EQ(json.exitCode, 0) << json.err;
  const auto apps = nlohmann::json::parse(json.out).at("apps");
  ASSERT_EQ(apps.size(), 2u);
  EXPECT_EQ(apps[0].at("name"), "pos");
  EXPECT_EQ(apps[0].at("fingerprint"), fingerprint);
  EXPECT_TRUE(apps[0].at("created").is_string());
}

TEST(AppsCli, ListOfAMissingFileSaysThereAreNoKeys) {
  TempDir dir;
  const auto result = cli({"apps", "list", "--keys", (dir / "keys.json").string()});
  EXPECT_EQ(result.exitCode, 0) << result.err;
  EXPECT_TRUE(contains(result.out, "No application keys")) << result.out;
}

TEST(AppsCli, RemoveRevokesAndUnknownNameIsAnError) {
  TempDir dir;
  const auto keys = (dir / "keys.json").string();
  const std::string key = keyIn(cli({"apps", "add", "pos", "--keys", keys}).out);
  const auto removed = cli({"apps", "remove", "pos", "--keys", keys});
  EXPECT_EQ(removed.exitCode, 0) << removed.err;
  EXPECT_EQ(AppKeyStore::open(keys).authenticate(key), std::nullopt);

  const auto again = cli({"apps", "remove", "pos", "--keys", keys});
  EXPECT_EQ(again.exitCode, 2);
  EXPECT_TRUE(contains(again.err, "No application named 'pos'")) << again.err;
  EXPECT_TRUE(contains(again.err, "[bad-request]")) << again.err;
  EXPECT_TRUE(contains(again.err, "hcbridge apps list")) << again.err;
}

TEST(AppsCli, DuplicateAndInvalidNamesAreRefusedWithAHint) {
  TempDir dir;
  const auto keys = (dir / "keys.json").string();
  cli({"apps", "add", "pos", "--keys", keys});
  const auto duplicate = cli({"apps", "add", "pos", "--keys", keys});
  EXPECT_EQ(duplicate.exitCode, 2);
  EXPECT_TRUE(contains(duplicate.err, "already exists [bad-request]")) << duplicate.err;
  EXPECT_TRUE(contains(duplicate.err, "hcbridge apps remove pos")) << duplicate.err;
  EXPECT_TRUE(duplicate.out.empty()) << duplicate.out;

  const auto invalid = cli({"apps", "add", "two words", "--keys", keys});
  EXPECT_EQ(invalid.exitCode, 2);
  EXPECT_TRUE(contains(invalid.err, "[bad-request]")) << invalid.err;
}

TEST(AppsCli, UnwritableKeyFileIsAnErrorNamingIt) {
  const auto result = cli({"apps", "add", "pos", "--keys", "/nonexistent-hcbridge/keys.json"});
  EXPECT_EQ(result.exitCode, 1);
  EXPECT_TRUE(contains(result.err, "/nonexistent-hcbridge/keys.json")) << result.err;
  EXPECT_TRUE(contains(result.err, "[internal]")) << result.err;
}

TEST(AppsCli, EnvironmentChoosesTheFileAndKeysOptionWins) {
  TempDir dir;
  const auto fromEnvironment = dir / "env.json";
  const auto fromOption = dir / "option.json";
  const ScopedEnvironment environment("HCBRIDGE_APP_KEYS", fromEnvironment.string());
  EXPECT_EQ(cli({"apps", "add", "a"}).exitCode, 0);
  EXPECT_EQ(cli({"apps", "add", "b", "--keys", fromOption.string()}).exitCode, 0);
  ASSERT_EQ(AppKeyStore::open(fromEnvironment).list().size(), 1u);
  EXPECT_EQ(AppKeyStore::open(fromEnvironment).list()[0].name, "a");
  ASSERT_EQ(AppKeyStore::open(fromOption).list().size(), 1u);
  EXPECT_EQ(AppKeyStore::open(fromOption).list()[0].name, "b");
}

TEST(AppsCli, EveryCommandHasHelpWithExamples) {
  for (const std::vector<std::string>& args : {std::vector<std::string>{"apps", "--help"},
                                               {"apps", "add", "--help"},
                                               {"apps", "list", "--help"},
                                               {"apps", "remove", "--help"}}) {
    const auto result = cli(args);
    EXPECT_EQ(result.exitCode, 0) << args[1];
    EXPECT_TRUE(contains(result.out, "Usage: hcbridge apps")) << result.out;
    EXPECT_TRUE(contains(result.out, "Example")) << result.out;
  }
  EXPECT_TRUE(contains(cli({"apps", "add", "--help"}).out, "--keys"));
}

TEST(AppsCli, MissingOrUnknownSubcommandIsAUsageError) {
  const auto missing = cli({"apps"});
  EXPECT_EQ(missing.exitCode, 2);
  EXPECT_TRUE(contains(missing.err, "A subcommand is needed: add, list, remove")) << missing.err;
  const auto unknown = cli({"apps", "rename"});
  EXPECT_EQ(unknown.exitCode, 2);
  EXPECT_TRUE(contains(unknown.err, "'apps rename'")) << unknown.err;
  const auto noName = cli({"apps", "add"});
  EXPECT_EQ(noName.exitCode, 2);
  EXPECT_TRUE(contains(noName.err, "Usage: hcbridge apps add NAME")) << noName.err;
}

TEST(AppsCli, MainHelpListsTheNewCommands) {
  const auto result = cli({"--help"});
  EXPECT_EQ(result.exitCode, 0);
  EXPECT_TRUE(contains(result.out, "  apps ")) << result.out;
  EXPECT_TRUE(contains(result.out, "  audit ")) << result.out;
}

}  // namespace
}  // namespace hcbridge::testing
