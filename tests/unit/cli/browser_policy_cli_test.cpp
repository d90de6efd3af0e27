// hcbridge browser-policy, run as the built program into a temporary --root:
// what it prints, writes, merges and removes, and what it refuses.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "cli_test_support.hpp"
#include "support/temp_dir.hpp"

namespace hcbridge::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const std::string kChromiumPolicy =
    "{\n"
    "  \"LoopbackNetworkAllowedForUrls\": [\n"
    "    \"https://dmp.example.fr\"\n"
    "  ],\n"
    "  \"LocalNetworkAccessAllowedForUrls\": [\n"
    "    \"https://dmp.example.fr\"\n"
    "  ]\n"
    "}\n";

// A fake system root with /etc/hcbridge/config.json allowing `origins`.
class PolicyRoot {
 public:
  explicit PolicyRoot(const std::vector<std::string>& origins) { setOrigins(origins); }

  void setOrigins(const std::vector<std::string>& origins) {
    fs::create_directories(dir_ / "etc/hcbridge");
    writeFile(dir_ / "etc/hcbridge/config.json", json{{"allowed_origins", origins}}.dump());
  }
  ProcessResult run(std::vector<std::string> args) const {
    args.insert(args.begin(), {"browser-policy", "--root", dir_.path().string()});
    return cli(args);
  }
  fs::path operator/(const std::string& path) const { return dir_ / path; }
  fs::path chromium() const { return dir_ / "etc/chromium/policies/managed/hcbridge.json"; }
  fs::path chrome() const { return dir_ / "etc/opt/chrome/policies/managed/hcbridge.json"; }
  fs::path edge() const { return dir_ / "etc/opt/edge/policies/managed/hcbridge.json"; }
  fs::path firefox() const { return dir_ / "etc/firefox/policies/policies.json"; }
  fs::path record() const { return dir_ / "var/lib/hcbridge-browser-policy/record.json"; }
  json firefoxJson() const { return json::parse(readFile(firefox())); }

 private:
  TempDir dir_;
};

unsigned mode(const fs::path& path) {
  struct stat info {};
  stat(path.c_str(), &info);
  return info.st_mode & 07777;
}

const std::vector<std::string> kMixedOrigins = {"https://dmp.example.fr", "http://localhost:8733",
                                                "http://intranet.clinic"};

TEST(BrowserPolicyCli, PrintShowsEachFileAsWriteWouldAndWritesNothing) {
  PolicyRoot root(kMixedOrigins);
  const auto result = root.run({"--print"});
  ASSERT_EQ(result.exitCode, 0) << result.err;
  EXPECT_TRUE(contains(result.out, "# chromium: " + root.chromium().string() + "\n" +
                                       kChromiumPolicy + "\n# chrome: " + root.chrome().string()))
      << result.out;
  EXPECT_TRUE(contains(result.out, "# edge: " + root.edge().string() + "\n" + kChromiumPolicy))
      << result.out;
  EXPECT_TRUE(contains(result.out, "# firefox: " + root.firefox().string() + "\n")) << result.out;
  EXPECT_TRUE(contains(result.out, "\"SkipDomains\": [\n        \"dmp.example.fr\"\n      ]"))
      << result.out;
  // Only the https origin is granted: loopback needs nothing, plain http never works.
  EXPECT_FALSE(contains(result.out, "localhost")) << result.out;
  EXPECT_FALSE(contains(result.out, "intranet")) << result.out;
  EXPECT_TRUE(contains(result.err, "http://localhost:8733 needs no policy")) << result.err;
  EXPECT_TRUE(contains(result.err,
                       "warning: allowed_origins entry 'http://intranet.clinic': a page on plain "
                       "http from a non-local origin can never reach hcbridged in Chrome "
                       "142+/Firefox 153+: serve it over https"))
      << result.err;
  EXPECT_FALSE(fs::exists(root / "etc/chromium"));
  EXPECT_FALSE(fs::exists(root / "etc/firefox"));
  EXPECT_FALSE(fs::exists(root.record()));
}

TEST(BrowserPolicyCli, WriteCreatesEveryBrowsersPolicyReadableByUsers) {
  PolicyRoot root(kMixedOrigins);
  const auto result = root.run({"--write"});
  ASSERT_EQ(result.exitCode, 0) << result.err;
  for (const auto& file : {root.chromium(), root.chrome(), root.edge()}) {
    EXPECT_EQ(readFile(file), kChromiumPolicy) << file;
    EXPECT_EQ(mode(file), 0644u) << file;
    EXPECT_EQ(mode(file.parent_path()), 0755u) << file;
    EXPECT_TRUE(contains(result.out, "wrote " + file.string())) << result.out;
  }
  EXPECT_EQ(
      root.firefoxJson(),
      json::parse(R"({"policies": {"LocalNetworkAccess": {"SkipDomains": ["dmp.example.fr"]}}})"));
  EXPECT_EQ(mode(root.firefox()), 0644u);
  EXPECT_EQ(mode(root / "etc/firefox/policies"), 0755u);
  EXPECT_EQ(mode(root.record()), 0644u);

  const auto again = root.run({"--write"});
  EXPECT_TRUE(contains(again.out, "unchanged " + root.chromium().string())) << again.out;
  EXPECT_TRUE(contains(again.out, "unchanged " + root.firefox().string())) << again.out;
}

TEST(BrowserPolicyCli, FirefoxPoliciesAreMergedAndForeignOnesKept) {
  PolicyRoot root({"https://dmp.example.fr:8443"});
  fs::create_directories(root.firefox().parent_path());
  const std::string foreign =
      R"({"policies": {"DisableTelemetry": true, "LocalNetworkAccess": {"Enabled": true, )"
      R"("SkipDomains": ["printer.clinic"]}}})";
  writeFile(root.firefox(), foreign);
  ASSERT_EQ(root.run({"--write", "--browser", "firefox"}).exitCode, 0);
  EXPECT_EQ(
      root.firefoxJson(),
      json::parse(R"({"policies": {"DisableTelemetry": true, "LocalNetworkAccess": )"
                  R"({"Enabled": true, "SkipDomains": ["printer.clinic", "dmp.example.fr"]}}})"));
  EXPECT_FALSE(fs::exists(root.chromium()));  // --browser firefox only

  const auto removed = root.run({"--remove"});
  ASSERT_EQ(removed.exitCode, 0) << removed.err;
  EXPECT_EQ(root.firefoxJson(), json::parse(foreign));
  EXPECT_FALSE(fs::exists(root.record()));
}

TEST(BrowserPolicyCli, AnEntryThatWasThereBeforeUsStaysOnRemove) {
  PolicyRoot root({"https://dmp.example.fr"});
  fs::create_directories(root.firefox().parent_path());
  writeFile(root.firefox(),
            R"({"policies": {"LocalNetworkAccess": {"SkipDomains": ["dmp.example.fr"]}}})");
  ASSERT_EQ(root.run({"--write"}).exitCode, 0);
  ASSERT_EQ(root.run({"--remove"}).exitCode, 0);
  EXPECT_EQ(root.firefoxJson()["policies"]["LocalNetworkAccess"]["SkipDomains"],
            json::array({"dmp.example.fr"}));
}

TEST(BrowserPolicyCli, AConfigChangeReplacesTheStaleEntries) {
  PolicyRoot root({"https://dmp.example.fr"});
  fs::create_directories(root.firefox().parent_path());
  writeFile(root.firefox(),
            R"({"policies": {"LocalNetworkAccess": {"SkipDomains": ["printer.clinic"]}}})");
  ASSERT_EQ(root.run({"--write"}).exitCode, 0);
  root.setOrigins({"https://records.example.org"});
  const auto result = root.run({"--write"});
  ASSERT_EQ(result.exitCode, 0) << result.err;
  EXPECT_EQ(root.firefoxJson()["policies"]["LocalNetworkAccess"]["SkipDomains"],
            json::array({"printer.clinic", "records.example.org"}));
  const json chromium = json::parse(readFile(root.chromium()));
  EXPECT_EQ(chromium["LoopbackNetworkAllowedForUrls"],
            json::array({"https://records.example.org"}));
  EXPECT_EQ(chromium["LocalNetworkAccessAllowedForUrls"],
            json::array({"https://records.example.org"}));

  // No https origin left: our files go, the foreign entry stays.
  root.setOrigins({"http://localhost:8733"});
  ASSERT_EQ(root.run({"--write"}).exitCode, 0);
  EXPECT_FALSE(fs::exists(root.chromium()));
  EXPECT_EQ(root.firefoxJson()["policies"]["LocalNetworkAccess"]["SkipDomains"],
            json::array({"printer.clinic"}));
}

TEST(BrowserPolicyCli, RemoveDeletesWhatWeCreatedAndNothingElse) {
  PolicyRoot root({"https://dmp.example.fr"});
  fs::create_directories(root / "etc/opt/chrome");  // Chrome installed: its folder stays
  writeFile(root / "etc/opt/chrome/master_preferences", "{}");
  ASSERT_EQ(root.run({"--write"}).exitCode, 0);
  writeFile(root.chromium().parent_path() / "other.json", R"({"HomepageLocation": "x"})");

  const auto result = root.run({"--remove"});
  ASSERT_EQ(result.exitCode, 0) << result.err;
  EXPECT_TRUE(contains(result.out, "removed " + root.chromium().string())) << result.out;
  for (const auto& file : {root.chromium(), root.chrome(), root.edge(), root.firefox()}) {
    EXPECT_FALSE(fs::exists(file)) << file;
  }
  EXPECT_TRUE(fs::exists(root.chromium().parent_path() / "other.json"));
  EXPECT_TRUE(fs::exists(root / "etc/opt/chrome/master_preferences"));
  EXPECT_FALSE(fs::exists(root / "etc/opt/chrome/policies"));
  EXPECT_FALSE(fs::exists(root / "etc/opt/edge"));
  EXPECT_FALSE(fs::exists(root / "etc/firefox"));
  EXPECT_FALSE(fs::exists(root.record()));
  EXPECT_FALSE(fs::exists(root.record().parent_path()));  // the record's own folder goes too

  const auto twice = root.run({"--remove"});
  EXPECT_EQ(twice.exitCode, 0);
  EXPECT_TRUE(contains(twice.out, "nothing of hcbridge's to remove")) << twice.out;
}

TEST(BrowserPolicyCli, AnUnparsablePoliciesJsonIsNamedAndLeftUntouched) {
  PolicyRoot root({"https://dmp.example.fr"});
  fs::create_directories(root.firefox().parent_path());
  const std::string broken = "{\n  \"policies\": {,\n}\n";
  writeFile(root.firefox(), broken);
  const auto result = root.run({"--write"});
  EXPECT_EQ(result.exitCode, 1);
  EXPECT_TRUE(contains(result.err, root.firefox().string() + " line 2: not valid JSON"))
      << result.err;
  EXPECT_TRUE(contains(result.err, "left untouched")) << result.err;
  EXPECT_EQ(readFile(root.firefox()), broken);
  EXPECT_FALSE(fs::exists(root.chromium()));  // nothing half-written
  EXPECT_FALSE(fs::exists(root.record()));
  EXPECT_EQ(root.run({"--print"}).exitCode, 1);
}

TEST(BrowserPolicyCli, AFolderThatCannotBeWrittenStopsEverythingBeforeAnyWrite) {
  PolicyRoot root({"https://dmp.example.fr"});
  // Root ignores permissions: a file where a folder is expected cannot be bypassed.
  fs::create_directories(root / "etc/opt");
  writeFile(root / "etc/opt/edge", "not a folder");
  const auto result = root.run({"--write"});
  EXPECT_EQ(result.exitCode, 1);
  EXPECT_TRUE(contains(result.err, "Cannot make the browser policy folder " +
                                       (root / "etc/opt/edge/policies/managed").string()))
      << result.err;
  EXPECT_TRUE(contains(result.err, (root / "etc/opt/edge").string() + " is a file")) << result.err;
  EXPECT_TRUE(contains(result.err, "Nothing was written")) << result.err;
  EXPECT_FALSE(fs::exists(root.chromium()));
  EXPECT_FALSE(fs::exists(root.chrome()));
  EXPECT_FALSE(fs::exists(root.firefox()));
  EXPECT_FALSE(fs::exists(root.record()));
}

TEST(BrowserPolicyCli, AnOriginNoFirefoxPolicyCanExpressIsRefusedNamingTheConfig) {
  PolicyRoot root({"https://[2001:db8::1]"});
  const auto result = root.run({"--write"});
  EXPECT_EQ(result.exitCode, 1);
  EXPECT_TRUE(contains(result.err, (root / "etc/hcbridge/config.json").string() +
                                       ": allowed_origins entry 'https://[2001:db8::1]' cannot be "
                                       "expressed as a Firefox policy"))
      << result.err;
  EXPECT_TRUE(contains(result.err, "[origin-invalid]")) << result.err;
  EXPECT_FALSE(fs::exists(root.chromium()));
  // Chromium's URL patterns take it.
  EXPECT_EQ(root.run({"--write", "--browser", "chromium"}).exitCode, 0);
  EXPECT_TRUE(contains(readFile(root.chromium()), "\"https://[2001:db8::1]\""));
}

TEST(BrowserPolicyCli, ABrokenConfigIsNamedWithItsLine) {
  PolicyRoot root({});
  writeFile(root / "etc/hcbridge/config.json", "{\n  \"allowed_origin\": []\n}\n");
  const auto result = root.run({"--print"});
  EXPECT_EQ(result.exitCode, 1);
  EXPECT_TRUE(contains(result.err, (root / "etc/hcbridge/config.json").string() +
                                       " line 2: unknown key 'allowed_origin'"))
      << result.err;
  const auto given =
      cli({"browser-policy", "--print", "--config", (root / "nowhere.json").string()});
  EXPECT_EQ(given.exitCode, 1);
  EXPECT_TRUE(contains(given.err, "nowhere.json")) << given.err;
}

TEST(BrowserPolicyCli, UsageErrorsExitTwo) {
  PolicyRoot root({"https://dmp.example.fr"});
  const auto none = root.run({});
  EXPECT_EQ(none.exitCode, 2);
  EXPECT_TRUE(contains(none.err, "--print, --write or --remove")) << none.err;
  EXPECT_EQ(root.run({"--print", "--write"}).exitCode, 2);
  const auto browser = root.run({"--print", "--browser", "opera"});
  EXPECT_EQ(browser.exitCode, 2);
  EXPECT_TRUE(contains(browser.err, "Unknown browser 'opera'")) << browser.err;
  const auto help = cli({"browser-policy", "--help"});
  EXPECT_EQ(help.exitCode, 0);
  for (const auto* part :
       {"/etc/opt/chrome/policies/managed/hcbridge.json", "/etc/firefox/policies/policies.json",
        "--root", "after editing", "hcbridge-browser-policy.path"}) {
    EXPECT_TRUE(contains(help.out, part)) << part;
  }
}

// Firefox ignores the installation's distribution/policies.json once the
// /etc one exists: creating it would silently switch off IT's policies.
TEST(BrowserPolicyCli, AFirefoxDistributionPolicyIsNotShadowed) {
  PolicyRoot root({"https://dmp.example.fr"});
  const fs::path distribution = root / "usr/lib/firefox-esr/distribution/policies.json";
  fs::create_directories(distribution.parent_path());
  const std::string itsPolicies = R"({"policies": {"DisableDeveloperTools": true}})";
  writeFile(distribution, itsPolicies);

  const auto result = root.run({"--write"});
  EXPECT_EQ(result.exitCode, 1);
  EXPECT_TRUE(contains(result.err, distribution.string())) << result.err;
  EXPECT_TRUE(contains(result.err, "would make Firefox ignore them")) << result.err;
  EXPECT_FALSE(fs::exists(root.firefox()));
  EXPECT_FALSE(fs::exists(root.chromium()));  // nothing half-written
  EXPECT_EQ(readFile(distribution), itsPolicies);

  // Moved to /etc as the hint says, it is merged like any other.
  fs::create_directories(root.firefox().parent_path());
  fs::rename(distribution, root.firefox());
  ASSERT_EQ(root.run({"--write"}).exitCode, 0);
  EXPECT_EQ(root.firefoxJson()["policies"]["DisableDeveloperTools"], true);
  EXPECT_EQ(root.firefoxJson()["policies"]["LocalNetworkAccess"]["SkipDomains"],
            json::array({"dmp.example.fr"}));
}

// Firefox matches SkipDomains against the target host too: a name that
// leads to this machine there would open its services to every web site.
TEST(BrowserPolicyCli, NamesThatLeadToThisMachineGetNoPolicy) {
  PolicyRoot root({"https://mypc", "https://ip6-localhost", "https://blocked.example",
                   "https://0.0.0.0", "https://records.clinic", "https://dmp.example.fr"});
  fs::create_directories(root / "etc");
  writeFile(root / "etc/hosts",
            "127.0.0.1\tlocalhost\n127.0.1.1\tMyPC.clinic MyPC # the machine\n"
            "::1 localhost ip6-localhost ip6-loopback\n0.0.0.0 blocked.example\n"
            "10.1.2.3 records.clinic\n# 127.0.0.1 dmp.example.fr\n");
  writeFile(root / "etc/hostname", "MyPC\n");
  const auto result = root.run({"--print", "--browser", "firefox"});
  ASSERT_EQ(result.exitCode, 0) << result.err;
  const json printed = json::parse(result.out.substr(result.out.find('{')));
  EXPECT_EQ(printed["policies"]["LocalNetworkAccess"]["SkipDomains"],
            json::array({"records.clinic", "dmp.example.fr"}));
  for (const char* origin :
       {"https://mypc", "https://ip6-localhost", "https://blocked.example", "https://0.0.0.0"}) {
    EXPECT_TRUE(contains(result.err, std::string(origin) + " needs no policy")) << result.err;
  }
}

}  // namespace
}  // namespace hcbridge::testing
