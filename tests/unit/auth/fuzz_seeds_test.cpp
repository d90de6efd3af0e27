// The seed corpora of fuzz_auth_token and fuzz_auth_jws: the valid seeds must
// pass the fuzzers' fixed verifier, so the fuzzers start from the deep end.
// HCBRIDGE_WRITE_FUZZ_SEEDS=1 rewrites them (after a test PKI regeneration).
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <map>

#include "auth_fuzz_setup.hpp"
#include "auth_test_support.hpp"
#include "hcbridge/auth/tokens.hpp"
#include "hcbridge/auth/verifier.hpp"
#include "hcbridge/error.hpp"
#include "support/temp_dir.hpp"

namespace hcbridge::testing {
namespace {

using nlohmann::json;

const std::filesystem::path kCorpus = HCBRIDGE_FUZZ_CORPUS_DIR;

// The certificate's practitioner in sub, as hcbridged writes it.
json claims(std::int64_t iat, const std::string& rpps = "10101201234") {
  return {{"aud", fuzz_auth::kAudience},
          {"nonce", fuzz_auth::kNonce},
          {"iat", iat},
          {"exp", iat + 120},
          {"jti", "seed-jti-1"},
          {"purpose", "normal"},
          {"origin", fuzz_auth::kOrigin},
          {"sub", rpps}};
}

std::map<std::string, std::string> tokenSeeds() {
  const auto cps = demoKey();
  const auto ec = TestKey::fromPem(pkiFile("cps-ec-auth.key.pem"));
  const auto revoked = TestKey::fromPem(pkiFile("cps-revoked-auth.key.pem"));
  const std::string app = "https://hcbridge.example/app/0.1.0";
  return {
      {"valid-rs256.json",
       auth::makeWebEidToken(fixtureCertificate("cps-demo-auth"), fuzz_auth::kOrigin,
                             fuzz_auth::kNonce, app, cps.signer())
           .dump(2)},
      {"valid-es256.json",
       auth::makeWebEidToken(fixtureCertificate("cps-ec-auth"), fuzz_auth::kOrigin,
                             fuzz_auth::kNonce, app, ec.signer())
           .dump(2)},
      {"other-origin.json",
       auth::makeWebEidToken(fixtureCertificate("cps-demo-auth"), "https://evil.example",
                             fuzz_auth::kNonce, app, cps.signer())
           .dump()},
      {"revoked.json",
       auth::makeWebEidToken(fixtureCertificate("cps-revoked-auth"), fuzz_auth::kOrigin,
                             fuzz_auth::kNonce, app, revoked.signer())
           .dump()},
  };
}

std::map<std::string, std::string> jwsSeeds() {
  const auto cps = demoKey();
  const auto ec = TestKey::fromPem(pkiFile("cps-ec-auth.key.pem"));
  json bris = claims(fuzz_auth::kNowSeconds);
  bris["purpose"] = "bris_de_glace";
  bris["justification"] = "patient unconscious";
  return {
      {"valid-rs256.jws", auth::makeCompactJws(fixtureCertificate("cps-demo-auth"),
                                               claims(fuzz_auth::kNowSeconds), cps.signer())},
      {"valid-es256.jws",
       auth::makeCompactJws(fixtureCertificate("cps-ec-auth"),
                            claims(fuzz_auth::kNowSeconds, "10000000092"), ec.signer())},
      {"valid-bris-de-glace.jws",
       auth::makeCompactJws(fixtureCertificate("cps-demo-auth"), bris, cps.signer())},
      {"expired.jws", auth::makeCompactJws(fixtureCertificate("cps-demo-auth"),
                                           claims(fuzz_auth::kNowSeconds - 3600), cps.signer())},
  };
}

void writeSeeds(const std::filesystem::path& folder,
                const std::map<std::string, std::string>& seeds) {
  std::filesystem::create_directories(folder);
  for (const auto& [name, content] : seeds) writeFile(folder / name, content);
}

TEST(AuthFuzzSeeds, ValidSeedsVerifyWithTheFuzzSetup) {
  if (const char* write = std::getenv("HCBRIDGE_WRITE_FUZZ_SEEDS"); write && *write == '1') {
    writeSeeds(kCorpus / "auth_token", tokenSeeds());
    writeSeeds(kCorpus / "auth_jws", jwsSeeds());
  }
  int checked = 0;
  for (const auto& entry : std::filesystem::directory_iterator(kCorpus / "auth_token")) {
    if (!entry.path().filename().string().starts_with("valid-")) continue;
    auth::MemoryNonceStore nonces;
    EXPECT_NO_THROW(auth::verifyWebEidToken(
        json::parse(readFile(entry.path())),
        {fuzz_auth::kOrigin, fuzz_auth::kNonce, fuzz_auth::now()}, fuzz_auth::validator(), nonces))
        << entry.path();
    ++checked;
  }
  for (const auto& entry : std::filesystem::directory_iterator(kCorpus / "auth_jws")) {
    if (!entry.path().filename().string().starts_with("valid-")) continue;
    auth::MemoryNonceStore nonces;
    EXPECT_NO_THROW(auth::verifyRecordAccessAssertion(
        readFile(entry.path()),
        {fuzz_auth::kAudience, fuzz_auth::kNonce, fuzz_auth::kOrigin, fuzz_auth::now()},
        fuzz_auth::validator(), nonces))
        << entry.path();
    ++checked;
  }
  EXPECT_GE(checked, 4);
}

}  // namespace
}  // namespace hcbridge::testing
