// hcbridge doctor, run as the built program, on configs naming a PKCS#11
// module (practitioner_pkcs11): a SoftHSM2 token with a TEST practitioner's
// key, a missing module, one that crashes and one that hangs.
#include <gtest/gtest.h>

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "cli_test_support.hpp"
#include "softhsm_token.hpp"

namespace hcbridge::testing {
namespace {

using nlohmann::json;

json doctorReport(const std::filesystem::path& config, int expectedExit) {
  const auto result = cli({"doctor", "--json", "--config", config.string()});
  EXPECT_EQ(result.exitCode, expectedExit) << result.out << result.err;
  const json report = json::parse(result.out, nullptr, false);
  EXPECT_FALSE(report.is_discarded()) << result.out << result.err;
  return report;
}

// The "pkcs11" results, in order.
std::vector<json> pkcs11Results(const json& report) {
  std::vector<json> results;
  for (const auto& item : report["checks"]) {
    if (item["check"] == "pkcs11") results.push_back(item);
  }
  return results;
}

// Whether one pkcs11 result has `status` and a message containing each part.
bool anyResult(const json& report, const std::string& status,
               const std::vector<std::string>& parts) {
  for (const auto& item : pkcs11Results(report)) {
    if (item.value("status", "") != status) continue;
    const std::string message = item.value("message", "");
    bool all = true;
    for (const auto& part : parts) all = all && contains(message, part);
    if (all) return true;
  }
  return false;
}

void writeConfig(const std::filesystem::path& file, const std::string& pkcs11) {
  writeFile(file, "{\"listen_port\": 18736, \"practitioner_pkcs11\": " + pkcs11 + "}");
}

TEST(DoctorPkcs11, TheTokenItsPinStateAndThePractitionerCertificateAreNamed) {
  SoftHsmToken token("hcbridge TEST doctor", "cps-demo-auth");
  const auto config = token.folder() / "config.json";
  writeConfig(config, std::string("{\"module\": \"") + kSoftHsmModule + "\"}");
  const json report = doctorReport(config, 1);  // the service and audit checks fail here
  EXPECT_TRUE(anyResult(report, "OK", {"module ", kSoftHsmModule, " loads: SoftHSM"}))
      << report.dump(2);
  EXPECT_TRUE(anyResult(report, "OK",
                        {"SoftHSM slot ID", "token 'hcbridge TEST doctor', serial ", "PIN ok"}))
      << report.dump(2);
  EXPECT_TRUE(anyResult(report, "OK",
                        {"token 'hcbridge TEST doctor': practitioner certificate 'TEST Certificat "
                         "d'Authentification CPS' (CKA_ID 01) of Hélène DURAND-TEST, rpps "
                         "10101201234"}))
      << report.dump(2);
  for (const auto& item : pkcs11Results(report)) EXPECT_NE(item["status"], "FAIL") << item;
}

TEST(DoctorPkcs11, AnotherTokenLabelOrKeyIdIsReported) {
  SoftHsmToken token("hcbridge TEST doctor", "cps-ec-auth");
  const auto config = token.folder() / "config.json";
  writeConfig(config, std::string("{\"module\": \"") + kSoftHsmModule +
                          "\", \"token_label\": \"CPS de quelqu'un d'autre\"}");
  json report = doctorReport(config, 1);
  EXPECT_TRUE(anyResult(report, "OK", {"not used: practitioner_pkcs11.token_label"}))
      << report.dump(2);
  EXPECT_TRUE(anyResult(report, "WARN", {"no token labelled 'CPS de quelqu'un d'autre'"}))
      << report.dump(2);

  writeConfig(config, std::string("{\"module\": \"") + kSoftHsmModule + "\", \"key_id\": \"02\"}");
  report = doctorReport(config, 1);
  EXPECT_TRUE(anyResult(report, "WARN",
                        {"holds no practitioner certificate with CKA_ID 02",
                         "'TEST Certificat d'Authentification CPS' (CKA_ID 01)"}))
      << report.dump(2);
}

TEST(DoctorPkcs11, ALockedPinFailsWithTheUnblockFix) {
  SoftHsmToken token("hcbridge TEST doctor", "cps-demo-auth");
  token.markUserPinLocked();
  const auto config = token.folder() / "config.json";
  writeConfig(config, std::string("{\"module\": \"") + kSoftHsmModule + "\"}");
  const json report = doctorReport(config, 1);
  bool found = false;
  for (const auto& item : pkcs11Results(report)) {
    if (item["status"] == "FAIL" && contains(item.value("message", ""), "PIN locked")) {
      found = true;
      EXPECT_TRUE(contains(item.value("fix", ""), "PUK")) << item;
    }
  }
  EXPECT_TRUE(found) << report.dump(2);
}

TEST(DoctorPkcs11, AMissingModuleFailsNamingItsPathAndPackage) {
  TempDir dir;
  writeConfig(dir / "opensc.json",
              "{\"module\": \"/nonexistent/x86_64-linux-gnu/opensc-pkcs11.so\"}");
  const json report = doctorReport(dir / "opensc.json", 1);
  const auto results = pkcs11Results(report);
  ASSERT_EQ(results.size(), 1u) << report.dump(2);
  EXPECT_EQ(results[0]["status"], "FAIL");
  EXPECT_TRUE(
      contains(results[0].value("message", ""),
               "the PKCS#11 module /nonexistent/x86_64-linux-gnu/opensc-pkcs11.so is missing"))
      << results[0];
  EXPECT_TRUE(contains(results[0].value("fix", ""), "sudo apt install opensc-pkcs11"))
      << results[0];

  // A file that is no module: the loader's reason.
  writeConfig(dir / "zlib.json", "{\"module\": \"/usr/lib/x86_64-linux-gnu/libz.so.1\"}");
  EXPECT_TRUE(anyResult(doctorReport(dir / "zlib.json", 1), "FAIL",
                        {"/usr/lib/x86_64-linux-gnu/libz.so.1 is not a PKCS#11 module"}));
}

TEST(DoctorPkcs11, WithoutPractitionerPkcs11ThereIsNoPkcs11Check) {
  TempDir dir;
  writeFile(dir / "config.json", "{\"listen_port\": 18736}");
  EXPECT_TRUE(pkcs11Results(doctorReport(dir / "config.json", 1)).empty());
}

TEST(DoctorPkcs11, ACrashingModuleIsAFailureNamingTheCall) {
  TempDir dir;
  writeConfig(dir / "config.json",
              std::string("{\"module\": \"") + HCBRIDGE_MISBEHAVING_MODULE + "\"}");
  ::setenv("HCBRIDGE_TEST_MODULE_FAULT", "crash", 1);
  const json report = doctorReport(dir / "config.json", 1);
  ::unsetenv("HCBRIDGE_TEST_MODULE_FAULT");
  EXPECT_TRUE(anyResult(report, "FAIL",
                        {std::string("the PKCS#11 module ") + HCBRIDGE_MISBEHAVING_MODULE +
                             " crashed inside the PKCS#11 module",
                         "during C_GetSlotList (signal 11)"}))
      << report.dump(2);
  // The doctor itself went on to the later checks.
  EXPECT_FALSE(report["checks"].back().value("check", "") == "pkcs11");
}

TEST(DoctorPkcs11, AHungModuleIsAFailureAfterTheCallTimeout) {
  TempDir dir;
  writeConfig(dir / "config.json", std::string("{\"module\": \"") + HCBRIDGE_MISBEHAVING_MODULE +
                                       "\", \"call_timeout_seconds\": 1}");
  ::setenv("HCBRIDGE_TEST_MODULE_FAULT", "hang", 1);
  const auto started = std::chrono::steady_clock::now();
  const json report = doctorReport(dir / "config.json", 1);
  ::unsetenv("HCBRIDGE_TEST_MODULE_FAULT");
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(15));
  EXPECT_TRUE(anyResult(report, "FAIL", {"did not answer within 1 s (hung)"})) << report.dump(2);
}

}  // namespace
}  // namespace hcbridge::testing
