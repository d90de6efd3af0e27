// The parts of `hcbridge browser-policy` that need no program run: which
// origins get a policy, Firefox's merge, and the doctor's verdict on the
// policies in a temporary root.
#include "browser_policy.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "doctor_checks.hpp"
#include "firefox_policy.hpp"
#include "hcbridge/error.hpp"
#include "support/temp_dir.hpp"

namespace hcbridge::cli {
namespace {

namespace fs = std::filesystem;
using hcbridge::testing::TempDir;
using hcbridge::testing::writeFile;
using nlohmann::json;
using Strings = std::vector<std::string>;

TEST(BrowserPolicy, OnlyHttpsOriginsGetAPolicy) {
  const OriginSelection selection =
      selectOrigins({"https://dmp.example.fr", "http://localhost:8733", "http://127.0.0.1:3000",
                     "http://[::1]:8080", "http://intranet.clinic", "http://localhost.intranet",
                     "https://records.example.org:8443"});
  EXPECT_EQ(selection.https,
            (Strings{"https://dmp.example.fr", "https://records.example.org:8443"}));
  EXPECT_EQ(selection.loopback,
            (Strings{"http://localhost:8733", "http://127.0.0.1:3000", "http://[::1]:8080"}));
  EXPECT_EQ(selection.plainHttp, (Strings{"http://intranet.clinic", "http://localhost.intranet"}));
}

// A local https app (https://localhost:9443) must not put "localhost" into
// Firefox's SkipDomains: Firefox matches it against the target host too, so
// every web site could then reach every service on this device unasked.
TEST(BrowserPolicy, LoopbackHttpsOriginsGetNoPolicy) {
  const OriginSelection selection =
      selectOrigins({"https://localhost:9443", "https://127.0.0.1", "https://app.localhost",
                     "https://[::1]:8443", "https://dmp.example.fr"});
  EXPECT_EQ(selection.https, (Strings{"https://dmp.example.fr"}));
  EXPECT_EQ(selection.loopback, (Strings{"https://localhost:9443", "https://127.0.0.1",
                                         "https://app.localhost", "https://[::1]:8443"}));
}

TEST(BrowserPolicy, FirefoxGetsHostNamesWithoutPortOnce) {
  EXPECT_EQ(firefoxSkipDomains({"https://dmp.example.fr", "https://dmp.example.fr:8443",
                                "https://records.example.org"},
                               "/etc/hcbridge/config.json"),
            (Strings{"dmp.example.fr", "records.example.org"}));
}

TEST(BrowserPolicy, FirefoxMergeKeepsLayoutWhenNothingChanges) {
  const std::string text =
      "{\"policies\":{\"LocalNetworkAccess\":{\"SkipDomains\":[\"dmp.example.fr\"]}}}";
  const auto merge =
      mergeFirefoxPolicies(text, "/p.json", {"dmp.example.fr"}, {"dmp.example.fr"}, false);
  EXPECT_EQ(merge.text, text);
  EXPECT_EQ(merge.ours, Strings{"dmp.example.fr"});
}

TEST(BrowserPolicy, FirefoxMergeDeletesOnlyAFileItCreatedThatEndsEmpty) {
  const std::string ours =
      R"({"policies": {"LocalNetworkAccess": {"SkipDomains": ["dmp.example.fr"]}}})";
  EXPECT_FALSE(mergeFirefoxPolicies(ours, "/p.json", {"dmp.example.fr"}, {}, true).text);
  const auto kept = mergeFirefoxPolicies(ours, "/p.json", {"dmp.example.fr"}, {}, false);
  ASSERT_TRUE(kept.text);
  EXPECT_EQ(json::parse(*kept.text), json::parse(R"({"policies": {}})"));
  // Someone added a policy to the file we created: it stays.
  const std::string shared =
      R"({"policies": {"DisableTelemetry": true, "LocalNetworkAccess": {"SkipDomains": ["dmp.example.fr"]}}})";
  const auto merged = mergeFirefoxPolicies(shared, "/p.json", {"dmp.example.fr"}, {}, true);
  ASSERT_TRUE(merged.text);
  EXPECT_EQ(json::parse(*merged.text), json::parse(R"({"policies": {"DisableTelemetry": true}})"));
  // Absent and nothing wanted: nothing to write.
  EXPECT_FALSE(mergeFirefoxPolicies(std::nullopt, "/p.json", {}, {}, true).text);
}

TEST(BrowserPolicy, FirefoxPoliciesOfTheWrongShapeAreRefused) {
  for (const std::string text :
       {"[]", R"({"policies": []})", R"({"policies": {"LocalNetworkAccess": true}})",
        R"({"policies": {"LocalNetworkAccess": {"SkipDomains": "dmp.example.fr"}}})"}) {
    try {
      mergeFirefoxPolicies(text, "/etc/firefox/policies/policies.json", {}, {"a.example"}, false);
      ADD_FAILURE() << "accepted " << text;
    } catch (const Error& error) {
      EXPECT_EQ(std::string(error.what()).rfind("/etc/firefox/policies/policies.json: ", 0), 0u)
          << error.what();
    }
  }
}

TEST(BrowserPolicy, AFirefoxPolicyWithANumberOutOfRangeIsRefusedNamed) {
  try {
    mergeFirefoxPolicies(R"({"policies": {"Other": 1e400}})", "/etc/firefox/policies/policies.json",
                         {}, {"a.example"}, false);
    ADD_FAILURE() << "accepted";
  } catch (const Error& error) {
    EXPECT_EQ(std::string(error.what()),
              "/etc/firefox/policies/policies.json: not valid JSON: number overflow parsing "
              "'1e400'")
        << error.what();
  }
}

// Parsing, copying and writing JSON recurse: a policies.json nested 200,000
// deep overflowed the stack of the root tool; now it is refused, named.
TEST(BrowserPolicy, ADeeplyNestedFirefoxPolicyFileIsRefused) {
  const std::string deep =
      R"({"policies": {"Other": )" + std::string(200000, '[') + std::string(200000, ']') + "}}";
  try {
    mergeFirefoxPolicies(deep, "/etc/firefox/policies/policies.json", {}, {"a.example"}, false);
    ADD_FAILURE() << "accepted a document nested 200,000 deep";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("nested deeper than 64 levels"), std::string::npos)
        << error.what();
  }
  const std::string shallow =
      R"({"policies": {"Other": )" + std::string(60, '[') + std::string(60, ']') + "}}";
  EXPECT_NO_THROW(mergeFirefoxPolicies(shallow, "/etc/firefox/policies/policies.json", {},
                                       {"a.example"}, false));
}

// The doctor on a temporary root where Chromium and Firefox are installed.
class DoctorBrowserPolicy : public ::testing::Test {
 protected:
  DoctorBrowserPolicy() {
    fs::create_directories(dir_ / "etc/chromium");
    fs::create_directories(dir_ / "usr/lib/firefox-esr");
    context_.root = dir_.path();
    allow({"https://dmp.example.fr"});
  }
  void allow(const Strings& origins) {
    context_.config = daemon::FileConfig{};
    context_.config->allowedOrigins = origins;
  }
  std::vector<CheckResult> check() { return checkBrowserPolicies(context_); }
  void write() {
    const auto plan = planPolicies(PolicyAction::Write, parseBrowsers("all"),
                                   selectOrigins(context_.config->allowedOrigins).https,
                                   context_.configFile, dir_.path());
    applyPolicies(plan, dir_.path());
  }
  fs::path chromium() const { return dir_ / "etc/chromium/policies/managed/hcbridge.json"; }

  TempDir dir_;
  DoctorContext context_;
};

TEST_F(DoctorBrowserPolicy, MissingPoliciesOfInstalledBrowsersAreWarnedWithTheFix) {
  const auto results = check();
  ASSERT_EQ(results.size(), 2u);  // Chrome and Edge are not installed
  EXPECT_EQ(results[0].status, CheckStatus::Warn);
  EXPECT_EQ(results[0].message, "chromium: " + chromium().string() +
                                    " is missing: the browser asks the user before "
                                    "https://dmp.example.fr may reach hcbridged (Local Network "
                                    "Access)");
  EXPECT_EQ(results[0].fix, "sudo hcbridge browser-policy --write, then restart the browser");
  EXPECT_EQ(results[1].status, CheckStatus::Warn);
  EXPECT_TRUE(results[1].message.starts_with("firefox: ")) << results[1].message;
}

TEST_F(DoctorBrowserPolicy, WrittenPoliciesAreCurrentUntilTheConfigChanges) {
  write();
  for (const auto& result : check()) {
    EXPECT_EQ(result.status, CheckStatus::Ok) << result.message;
    EXPECT_TRUE(result.message.ends_with(" is current (1 origins)")) << result.message;
  }
  allow({"https://records.example.org"});
  for (const auto& result : check()) {
    EXPECT_EQ(result.status, CheckStatus::Warn) << result.message;
    EXPECT_TRUE(result.message.find(" is stale: ") != std::string::npos) << result.message;
  }
  // Layout does not matter, content does.
  allow({"https://dmp.example.fr"});
  writeFile(chromium(), R"({"LoopbackNetworkAllowedForUrls":["https://dmp.example.fr"],)"
                        R"("LocalNetworkAccessAllowedForUrls":["https://dmp.example.fr"]})");
  EXPECT_EQ(check()[0].status, CheckStatus::Ok) << check()[0].message;
}

// Chromium does not merge a list policy across the files of its managed
// folder: "current" would be a lie while another file sets the same list.
TEST_F(DoctorBrowserPolicy, AnotherFileSettingTheSameListIsWarned) {
  write();
  writeFile(chromium().parent_path() / "corp.json",
            R"({"LoopbackNetworkAllowedForUrls": ["https://intranet.example"]})");
  writeFile(chromium().parent_path() / "other.json", R"({"HomepageLocation": "x"})");
  const auto results = check();
  EXPECT_EQ(results[0].status, CheckStatus::Warn) << results[0].message;
  EXPECT_NE(results[0].message.find((chromium().parent_path() / "corp.json").string() +
                                    " also sets LoopbackNetworkAllowedForUrls"),
            std::string::npos)
      << results[0].message;
  EXPECT_EQ(results[1].status, CheckStatus::Ok) << results[1].message;  // Firefox merges

  fs::remove(chromium().parent_path() / "corp.json");
  EXPECT_EQ(check()[0].status, CheckStatus::Ok) << check()[0].message;
}

TEST_F(DoctorBrowserPolicy, NoHttpsOriginNeedsNoPolicyAndNoBrowserNeedsNoCheck) {
  allow({"http://localhost:8733"});
  for (const auto& result : check()) {
    EXPECT_EQ(result.status, CheckStatus::Ok) << result.message;
    EXPECT_TRUE(result.message.ends_with("no https origin in allowed_origins, no policy needed"))
        << result.message;
  }
  fs::remove_all(dir_ / "etc/chromium");
  fs::remove_all(dir_ / "usr/lib/firefox-esr");
  const auto results = check();
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].status, CheckStatus::Ok);
  EXPECT_TRUE(results[0].message.starts_with("no Chromium, Chrome, Edge or Firefox found"));
}

TEST_F(DoctorBrowserPolicy, ABrokenPoliciesJsonIsAWarningNamingIt) {
  fs::create_directories(dir_ / "etc/firefox/policies");
  writeFile(dir_ / "etc/firefox/policies/policies.json", "{oops");
  const auto results = check();
  ASSERT_EQ(results.size(), 2u);
  EXPECT_TRUE(results[0].message.starts_with("chromium: ")) << results[0].message;
  EXPECT_EQ(results[1].status, CheckStatus::Warn);
  EXPECT_TRUE(results[1].message.starts_with(
      "firefox: " + (dir_ / "etc/firefox/policies/policies.json").string() +
      " line 1: not valid JSON"))
      << results[1].message;
}

}  // namespace
}  // namespace hcbridge::cli
