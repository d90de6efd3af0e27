// hcbridge verify-token / verify-assertion, run as the built program on tokens
// made with the test PKI's keys.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "auth/auth_test_support.hpp"
#include "cli_test_support.hpp"
#include "hcbridge/auth/crypto.hpp"
#include "hcbridge/auth/tokens.hpp"
#include "support/temp_dir.hpp"

namespace hcbridge::testing {
namespace {

using nlohmann::json;

const std::string kAt = "2026-01-01T00:00:00Z";
const std::string kAudience = "https://records.example.org/api";

std::vector<std::string> trustArgs() {
  return {"--ca",           pkiFile("root.cert.pem").string(),
          "--intermediate", pkiFile("intermediate.cert.pem").string(),
          "--crl",          pkiFile("intermediate.crl").string(),
          "--issuer",       pkiFile("intermediate.cert.pem").string(),
          "--policy",       "1.2.3.4.5.6.7.8.1",
          "--eku",          "1.3.6.1.5.5.7.3.2",
          "--at",           kAt};
}

std::vector<std::string> operator+(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

std::string writeToken(const TempDir& dir, const std::string& origin = kOrigin,
                       const std::string& stem = "cps-demo-auth") {
  const auto file = dir / ("token-" + stem + ".json");
  writeFile(file, auth::makeWebEidToken(fixtureCertificate(stem), origin, kNonce, "test",
                                        TestKey::fromPem(pkiFile(stem + ".key.pem")).signer())
                      .dump());
  return file.string();
}

json claimsNaming(const std::string& rpps) {
  const std::int64_t iat = 1767225600;  // 2026-01-01T00:00:00Z
  return {{"aud", kAudience},
          {"nonce", kNonce},
          {"iat", iat},
          {"exp", iat + 60},
          {"jti", "j-1"},
          {"purpose", "normal"},
          {"origin", kOrigin},
          {"sub", rpps},
          {"practitioner", {{"idType", "rpps"}, {"id", rpps}, {"surname", "MALLORY-TEST"}}}};
}

std::string writeAssertion(const TempDir& dir, const json& claims = claimsNaming("10101201234")) {
  const auto file = dir / "assertion.jws";
  writeFile(
      file,
      auth::makeCompactJws(fixtureCertificate("cps-demo-auth"), claims, demoKey().signer()) + "\n");
  return file.string();
}

// Issue 14, attack 1: a patient card's key, x5c = [card, its CA].
std::string writePatientCardAssertion(const TempDir& dir) {
  const auto text = [](const std::string& value) {
    return ByteView(reinterpret_cast<const std::uint8_t*>(value.data()), value.size());
  };
  const json header = {{"alg", "ES256"},
                       {"typ", "hcbridge-record-access+jwt"},
                       {"x5c",
                        {auth::base64(fixtureCertificate("vitale-family-card")),
                         auth::base64(fixtureCertificate("vitale-ca"))}}};
  const std::string input = auth::base64Url(text(header.dump())) + "." +
                            auth::base64Url(text(claimsNaming("10101201234").dump()));
  const auto key = TestKey::fromPem(pkiFile("vitale-family-card.key.pem"));
  const auto file = dir / "patient-card.jws";
  writeFile(file, input + "." + auth::base64Url(key.signDigest(auth::sha256(input))));
  return file.string();
}

TEST(VerifyCli, ValidTokenPrintsTheCertificate) {
  TempDir dir;
  const auto result = cli(std::vector<std::string>{"verify-token", "--token", writeToken(dir),
                                                   "--origin", kOrigin, "--nonce", kNonce} +
                          trustArgs());
  EXPECT_EQ(result.exitCode, 0) << result.err;
  EXPECT_TRUE(contains(result.out, "subject:    CN=Hélène DURAND-TEST")) << result.out;
  EXPECT_TRUE(contains(result.out, "issuer:     CN=TEST hcbridge CPS Intermediate CA"))
      << result.out;
  EXPECT_TRUE(contains(result.out, "checked against the issuer's CRL")) << result.out;
  EXPECT_TRUE(result.out.ends_with("valid\n")) << result.out;
}

TEST(VerifyCli, TokenJsonOutputAndFailures) {
  TempDir dir;
  const auto base =
      std::vector<std::string>{"verify-token", "--origin", kOrigin, "--nonce", kNonce, "--json"} +
      trustArgs();
  const auto ok = cli(base + std::vector<std::string>{"--token", writeToken(dir)});
  EXPECT_EQ(ok.exitCode, 0) << ok.err;
  const json good = json::parse(ok.out);
  EXPECT_EQ(good["valid"], true);
  EXPECT_EQ(good["algorithm"], "RS256");
  EXPECT_EQ(good["revocationChecked"], true);

  const auto revoked =
      cli(base + std::vector<std::string>{"--token", writeToken(dir, kOrigin, "cps-revoked-auth")});
  EXPECT_EQ(revoked.exitCode, 1);
  const json bad = json::parse(revoked.out);
  EXPECT_EQ(bad["valid"], false);
  EXPECT_EQ(bad["error"], "certificate-revoked");
  EXPECT_FALSE(bad["hint"].get<std::string>().empty());
}

TEST(VerifyCli, TokenForAnotherOriginFails) {
  TempDir dir;
  const auto result = cli(std::vector<std::string>{"verify-token", "--token",
                                                   writeToken(dir, "https://other.example"),
                                                   "--origin", kOrigin, "--nonce", kNonce} +
                          trustArgs());
  EXPECT_EQ(result.exitCode, 1);
  EXPECT_TRUE(contains(result.err, "[token-invalid]")) << result.err;
  EXPECT_TRUE(contains(result.err, "another origin or nonce")) << result.err;
}

TEST(VerifyCli, UntrustedWithAnotherCa) {
  TempDir dir;
  const auto result = cli({"verify-token", "--token", writeToken(dir), "--origin", kOrigin,
                           "--nonce", kNonce, "--ca", pkiFile("other-root.cert.pem").string(),
                           "--issuer", pkiFile("intermediate.cert.pem").string(), "--at", kAt});
  EXPECT_EQ(result.exitCode, 1);
  EXPECT_TRUE(contains(result.err, "[certificate-untrusted]")) << result.err;
}

TEST(VerifyCli, NonceStoreRefusesASecondRun) {
  TempDir dir;
  const auto args =
      std::vector<std::string>{"verify-token", "--token",       writeToken(dir),
                               "--origin",     kOrigin,         "--nonce",
                               kNonce,         "--nonce-store", (dir / "nonces").string()} +
      trustArgs();
  EXPECT_EQ(cli(args).exitCode, 0);
  const auto second = cli(args);
  EXPECT_EQ(second.exitCode, 1);
  EXPECT_TRUE(contains(second.err, "[nonce-replayed]")) << second.err;
}

TEST(VerifyCli, TokenFromStandardInput) {
  TempDir dir;
  std::string command = std::string(HCBRIDGE_CLI_PATH) + " verify-token --token - --origin " +
                        kOrigin + " --nonce " + kNonce;
  for (const auto& arg : trustArgs()) command += " '" + arg + "'";
  command += " < '" + writeToken(dir) + "'";
  const auto result = runProcess({"/bin/sh", "-c", command});
  EXPECT_EQ(result.exitCode, 0) << result.err;
  EXPECT_TRUE(contains(result.out, "valid")) << result.out;
}

TEST(VerifyCli, BadArguments) {
  TempDir dir;
  const std::string token = writeToken(dir);
  // --at malformed, --ca missing, --ca unreadable: usage errors (exit 2).
  EXPECT_EQ(cli({"verify-token", "--token", token, "--origin", kOrigin, "--nonce", kNonce, "--ca",
                 pkiFile("root.cert.pem").string(), "--at", "2026-02-30T00:00:00Z"})
                .exitCode,
            2);
  EXPECT_EQ(
      cli({"verify-token", "--token", token, "--origin", kOrigin, "--nonce", kNonce}).exitCode, 2);
  const auto unreadable = cli({"verify-token", "--token", token, "--origin", kOrigin, "--nonce",
                               kNonce, "--ca", (dir / "absent.pem").string()});
  EXPECT_EQ(unreadable.exitCode, 2);
  EXPECT_TRUE(contains(unreadable.err, "absent.pem")) << unreadable.err;
  writeFile(dir / "junk.json", "{not json");
  EXPECT_EQ(cli(std::vector<std::string>{"verify-token", "--token", (dir / "junk.json").string(),
                                         "--origin", kOrigin, "--nonce", kNonce} +
                trustArgs())
                .exitCode,
            1);
}

TEST(VerifyCli, AssertionPrintsTheClaims) {
  TempDir dir;
  const auto result = cli(std::vector<std::string>{"verify-assertion", "--assertion",
                                                   writeAssertion(dir), "--audience", kAudience,
                                                   "--nonce", kNonce, "--origin", kOrigin} +
                          trustArgs());
  EXPECT_EQ(result.exitCode, 0) << result.err;
  EXPECT_TRUE(contains(result.out, "\"purpose\": \"normal\"")) << result.out;
  EXPECT_TRUE(contains(result.out, "\"jti\": \"j-1\"")) << result.out;
  EXPECT_TRUE(result.out.ends_with("valid\n")) << result.out;

  const auto asJson =
      cli(std::vector<std::string>{"verify-assertion", "--assertion", writeAssertion(dir),
                                   "--audience", kAudience, "--json"} +
          trustArgs());
  EXPECT_EQ(asJson.exitCode, 0) << asJson.err;
  EXPECT_EQ(json::parse(asJson.out)["claims"]["aud"], kAudience);
}

TEST(VerifyCli, AssertionFailures) {
  TempDir dir;
  const std::string assertion = writeAssertion(dir);
  const auto otherAudience =
      cli(std::vector<std::string>{"verify-assertion", "--assertion", assertion, "--audience",
                                   "https://elsewhere.example/api"} +
          trustArgs());
  EXPECT_EQ(otherAudience.exitCode, 1);
  EXPECT_TRUE(contains(otherAudience.err, "[audience-mismatch]")) << otherAudience.err;
  // An hour later the assertion has expired.
  const auto late =
      cli({"verify-assertion", "--assertion", assertion, "--audience", kAudience, "--ca",
           pkiFile("root.cert.pem").string(), "--intermediate",
           pkiFile("intermediate.cert.pem").string(), "--issuer",
           pkiFile("intermediate.cert.pem").string(), "--at", "2026-01-01T01:00:00Z"});
  EXPECT_EQ(late.exitCode, 1);
  EXPECT_TRUE(contains(late.err, "[token-expired]")) << late.err;
}

TEST(VerifyCli, PractitionerComesFromTheCertificate) {
  TempDir dir;
  const auto text = cli(std::vector<std::string>{"verify-token", "--token", writeToken(dir),
                                                 "--origin", kOrigin, "--nonce", kNonce} +
                        trustArgs());
  EXPECT_EQ(text.exitCode, 0) << text.err;
  EXPECT_TRUE(contains(text.out, "practitioner: rpps 10101201234 (Hélène DURAND-TEST")) << text.out;
  const auto asJson =
      cli(std::vector<std::string>{"verify-assertion", "--assertion", writeAssertion(dir),
                                   "--audience", kAudience, "--json"} +
          trustArgs());
  EXPECT_EQ(asJson.exitCode, 0) << asJson.err;
  const json verified = json::parse(asJson.out);
  EXPECT_EQ(verified["practitioner"]["idType"], "rpps");
  EXPECT_EQ(verified["practitioner"]["id"], "10101201234");
  // The claims' surname (MALLORY-TEST) is not what is reported.
  EXPECT_EQ(verified["practitioner"]["name"], "Hélène DURAND-TEST");
}

TEST(VerifyCli, AttackPatientCardKeyIsRefused) {
  TempDir dir;
  const auto assertion = writePatientCardAssertion(dir);
  // Even with the patient-card root among the anchors.
  for (const bool wide : {false, true}) {
    auto args = std::vector<std::string>{"verify-assertion", "--assertion", assertion,
                                         "--audience",       kAudience,     "--json"} +
                trustArgs();
    if (wide) args = args + std::vector<std::string>{"--ca", pkiFile("patient-root.cert.pem")};
    const auto result = cli(args);
    EXPECT_EQ(result.exitCode, 1) << result.out;
    EXPECT_EQ(json::parse(result.out)["error"], "certificate-untrusted") << result.out;
  }
}

TEST(VerifyCli, AttackClaimsNamingAnotherPractitionerAreRefused) {
  TempDir dir;
  const auto result = cli(std::vector<std::string>{"verify-assertion", "--assertion",
                                                   writeAssertion(dir, claimsNaming("99999999999")),
                                                   "--audience", kAudience} +
                          trustArgs());
  EXPECT_EQ(result.exitCode, 1);
  EXPECT_TRUE(contains(result.err, "[claims-mismatch]")) << result.err;
  EXPECT_TRUE(contains(result.err, "99999999999")) << result.err;
}

TEST(VerifyCli, NoIssuerIsAUsageErrorNamingTheOption) {
  TempDir dir;
  const auto result = cli({"verify-assertion", "--assertion", writeAssertion(dir), "--audience",
                           kAudience, "--ca", pkiFile("root.cert.pem").string(), "--intermediate",
                           pkiFile("intermediate.cert.pem").string(), "--at", kAt});
  EXPECT_EQ(result.exitCode, 2);
  EXPECT_TRUE(contains(result.err, "--issuer")) << result.err;
  const auto badOid =
      cli(std::vector<std::string>{"verify-token", "--token", writeToken(dir), "--origin", kOrigin,
                                   "--nonce", kNonce, "--policy", "clientAuth"} +
          trustArgs());
  EXPECT_EQ(badOid.exitCode, 2);
  EXPECT_TRUE(contains(badOid.err, "clientAuth")) << badOid.err;
}

TEST(VerifyCli, HelpHasExamples) {
  for (const char* command : {"verify-token", "verify-assertion"}) {
    const auto result = cli({command, "--help"});
    EXPECT_EQ(result.exitCode, 0);
    EXPECT_TRUE(contains(result.out, std::string("Usage: hcbridge ") + command)) << result.out;
    EXPECT_TRUE(contains(result.out, "Examples:")) << result.out;
    EXPECT_TRUE(contains(result.out, "--nonce-store")) << result.out;
    EXPECT_TRUE(contains(result.out, "--issuer")) << result.out;
    EXPECT_TRUE(contains(result.out, "claims-mismatch")) << result.out;
  }
  const auto top = cli({"--help"});
  EXPECT_TRUE(contains(top.out, "  verify-assertion  verify a record-access")) << top.out;
}

}  // namespace
}  // namespace hcbridge::testing
