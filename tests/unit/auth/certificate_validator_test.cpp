// Each validation rule against the committed test PKI at a pinned time.
#include "hcbridge/auth/certificate_validator.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "auth_test_support.hpp"
#include "hcbridge/error.hpp"
#include "support/temp_dir.hpp"

namespace hcbridge::testing {
namespace {

using auth::CertificateValidator;
using auth::TrustSettings;

const auto kPinned = at(2026, 1, 1);

// The error a validation throws; Internal when it throws none.
Error failureOf(const CertificateValidator& validator, const Bytes& certificate,
                std::chrono::system_clock::time_point when, const std::vector<Bytes>& extras = {}) {
  try {
    validator.validate(certificate, when, extras);
  } catch (const Error& error) {
    return error;
  }
  return Error(Errc::Internal, "validated");
}

bool mentions(const Error& error, const std::string& text) {
  return std::string(error.what()).find(text) != std::string::npos;
}

TEST(AuthValidator, GoodCertificateWithCrl) {
  const auto result = standardValidator().validate(fixtureCertificate("cps-demo-auth"), kPinned);
  EXPECT_EQ(result.subject,
            "CN=Hélène DURAND-TEST,GN=Hélène,SN=DURAND-TEST,serialNumber=810101201234,"
            "title=10,O=TEST HCBRIDGE CABINET,C=FR");
  EXPECT_EQ(result.issuer, "CN=TEST hcbridge CPS Intermediate CA,O=TEST HCBRIDGE PKI,C=FR");
  EXPECT_EQ(result.notAfter, "2049-12-31T23:59:59Z");
  EXPECT_TRUE(result.revocationChecked);
}

TEST(AuthValidator, PemCrlWorksLikeDer) {
  TrustSettings settings = standardTrust(false);
  settings.crls = {pkiFile("intermediate.crl.pem")};
  const CertificateValidator validator(settings);
  EXPECT_TRUE(validator.validate(fixtureCertificate("cps-demo-auth"), kPinned).revocationChecked);
  EXPECT_EQ(failureOf(validator, fixtureCertificate("cps-revoked-auth"), kPinned).code(),
            Errc::CertificateRevoked);
}

TEST(AuthValidator, ExpiredCertificateSaysWhen) {
  const auto error =
      failureOf(standardValidator(), fixtureCertificate("cps-expired-auth"), kPinned);
  EXPECT_EQ(error.code(), Errc::CertificateExpired);
  EXPECT_TRUE(mentions(error, "expired on 2018-01-01T00:00:00Z")) << error.what();
  EXPECT_TRUE(mentions(error, "2026-01-01T00:00:00Z")) << error.what();
}

TEST(AuthValidator, NotYetValidIsReportedBeforeTheCrlTime) {
  // At 2024-06-01 the CRL (lastUpdate 2025-06-01) is not valid either; the
  // certificate's own date is the useful message.
  const auto error =
      failureOf(standardValidator(), fixtureCertificate("cps-demo-auth"), at(2024, 6, 1));
  EXPECT_EQ(error.code(), Errc::CertificateExpired);
  EXPECT_TRUE(mentions(error, "not valid before 2025-01-01T00:00:00Z")) << error.what();
}

TEST(AuthValidator, ExpiredCaIsExpiredToo) {
  // Everything expires at the end of 2049; one day later the chain is expired.
  const auto error =
      failureOf(standardValidator(false), fixtureCertificate("cps-demo-auth"), at(2050, 1, 2));
  EXPECT_EQ(error.code(), Errc::CertificateExpired);
}

TEST(AuthValidator, RevokedWithCrlNotCheckedWithout) {
  const Bytes revoked = fixtureCertificate("cps-revoked-auth");
  const auto error = failureOf(standardValidator(), revoked, kPinned);
  EXPECT_EQ(error.code(), Errc::CertificateRevoked);
  EXPECT_TRUE(mentions(error, "REVOQUE-TEST")) << error.what();
  const auto result = standardValidator(false).validate(revoked, kPinned);
  EXPECT_FALSE(result.revocationChecked);
}

TEST(AuthValidator, ExpiredCrlIsAnError) {
  // The CRL's nextUpdate is 2049-12-31T00:00:00Z; the certificates last until
  // 23:59:59 that day.
  const auto noon = at(2049, 12, 31) + std::chrono::hours(12);
  EXPECT_NO_THROW(standardValidator(false).validate(fixtureCertificate("cps-demo-auth"), noon));
  const auto error = failureOf(standardValidator(), fixtureCertificate("cps-demo-auth"), noon);
  EXPECT_EQ(error.code(), Errc::CertificateRevoked);
  EXPECT_TRUE(mentions(error, "unknown")) << error.what();
}

TEST(AuthValidator, CrlOfAnotherIssuerIsNotConsulted) {
  // The intermediate's CRL says nothing about certificates of the other root.
  TrustSettings settings = standardTrust();
  settings.trustAnchors.push_back(pkiFile("other-root.cert.pem"));
  settings.issuers.push_back(pkiFile("other-root.cert.pem"));
  const auto result =
      CertificateValidator(settings).validate(fixtureCertificate("cps-wrong-ca-auth"), kPinned);
  EXPECT_FALSE(result.revocationChecked);
}

TEST(AuthValidator, WrongCaIsUntrusted) {
  const auto error =
      failureOf(standardValidator(), fixtureCertificate("cps-wrong-ca-auth"), kPinned);
  EXPECT_EQ(error.code(), Errc::CertificateUntrusted);
  EXPECT_TRUE(mentions(error, "FAUSSE-TEST")) << error.what();
  // Only the other root trusted: the demo card is the stranger now.
  TrustSettings other;
  other.trustAnchors = {pkiFile("other-root.cert.pem")};
  other.intermediates = {pkiFile("intermediate.cert.pem")};
  EXPECT_EQ(
      failureOf(CertificateValidator(other), fixtureCertificate("cps-demo-auth"), kPinned).code(),
      Errc::CertificateUntrusted);
  EXPECT_NO_THROW(
      CertificateValidator(other).validate(fixtureCertificate("cps-wrong-ca-auth"), kPinned));
}

TEST(AuthValidator, MissingIntermediateIsUntrustedUnlessTheTokenBringsIt) {
  TrustSettings settings;
  settings.trustAnchors = {pkiFile("root.cert.pem")};
  const CertificateValidator validator(settings);
  EXPECT_EQ(failureOf(validator, fixtureCertificate("cps-demo-auth"), kPinned).code(),
            Errc::CertificateUntrusted);
  EXPECT_NO_THROW(validator.validate(fixtureCertificate("cps-demo-auth"), kPinned,
                                     {fixtureCertificate("intermediate")}));
  EXPECT_EQ(
      failureOf(validator, fixtureCertificate("cps-demo-auth"), kPinned, {Bytes{1, 2, 3}}).code(),
      Errc::CertificateInvalid);
}

TEST(AuthValidator, KeyUsageMustIncludeDigitalSignature) {
  const CertificateValidator validator = standardValidator();
  for (const char* stem : {"cps-demo-sign", "cps-wrong-usage-auth"}) {
    const auto error = failureOf(validator, fixtureCertificate(stem), kPinned);
    EXPECT_EQ(error.code(), Errc::CertificateKeyUsage) << stem;
    EXPECT_TRUE(mentions(error, "digitalSignature")) << error.what();
  }
}

TEST(AuthValidator, PartialChainOverrideTrustsAListedEndEntity) {
  TempDir dir;
  // The demo certificate alone, as the HBA test images are configured.
  TrustSettings settings;
  settings.trustAnchors = {pkiFile("cps-demo-auth.cert.pem")};
  const CertificateValidator validator(settings);
  EXPECT_TRUE(validator.hasTrustAnchors());
  const auto result = validator.validate(fixtureCertificate("cps-demo-auth"), kPinned);
  EXPECT_FALSE(result.revocationChecked);
  // ...which trusts nothing else from the same CA.
  EXPECT_EQ(failureOf(validator, fixtureCertificate("cps-revoked-auth"), kPinned).code(),
            Errc::CertificateUntrusted);
  // A self-signed EC card certificate, also without keyUsage (accepted).
  const auto key = TestKey::generateEc("brainpoolP256r1");
  const Bytes withUsage = key.selfSignedCertificate("TEST HBA", true);
  const Bytes withoutUsage = key.selfSignedCertificate("TEST HBA plain", false);
  writePem(dir / "hba.pem", {withUsage, withoutUsage});
  TrustSettings hba;
  hba.trustAnchors = {dir / "hba.pem"};
  const CertificateValidator hbaValidator(hba);
  EXPECT_EQ(hbaValidator.validate(withUsage, kPinned).subject,
            "CN=TEST HBA,serialNumber=" + kSelfSignedIdNat + ",O=TEST hcbridge");
  EXPECT_NO_THROW(hbaValidator.validate(withoutUsage, kPinned));
  // A partial-chain anchor still has to be valid at the time.
  EXPECT_EQ(failureOf(hbaValidator, withUsage, at(2024, 1, 1)).code(), Errc::CertificateExpired);
}

TEST(AuthValidator, SoleForeignAnchorMakesTheDemoCardUntrusted) {
  TrustSettings settings;
  settings.trustAnchors = {pkiFile("cps-demo-sign.cert.pem")};
  EXPECT_EQ(failureOf(CertificateValidator(settings), fixtureCertificate("cps-demo-auth"), kPinned)
                .code(),
            Errc::CertificateUntrusted);
}

TEST(AuthValidator, NoAnchorsSaysToConfigureThem) {
  const CertificateValidator validator;
  EXPECT_FALSE(validator.hasTrustAnchors());
  const auto error = failureOf(validator, fixtureCertificate("cps-demo-auth"), kPinned);
  EXPECT_EQ(error.code(), Errc::CertificateUntrusted);
  EXPECT_TRUE(mentions(error, "trust anchors")) << error.what();
}

TEST(AuthValidator, UnparsableCertificate) {
  Bytes truncated = fixtureCertificate("cps-demo-auth");
  truncated.resize(truncated.size() / 2);
  EXPECT_EQ(failureOf(standardValidator(), truncated, kPinned).code(), Errc::CertificateInvalid);
  EXPECT_EQ(failureOf(standardValidator(), {}, kPinned).code(), Errc::CertificateInvalid);
}

TEST(AuthValidator, AnchorFileWithSeveralCertificates) {
  TrustSettings settings;
  settings.trustAnchors = {pkiFile("chain.pem")};  // intermediate + root
  EXPECT_NO_THROW(
      CertificateValidator(settings).validate(fixtureCertificate("cps-demo-auth"), kPinned));
}

TEST(AuthValidator, UnreadableFilesAreNamed) {
  TempDir dir;
  writeFile(dir / "garbage.pem",
            "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n");
  writeFile(dir / "empty.pem", "");
  writeFile(dir / "text.crl", "hello");
  const auto check = [](const TrustSettings& settings, const std::string& file) {
    try {
      CertificateValidator validator(settings);
      ADD_FAILURE() << "loaded " << file;
    } catch (const Error& error) {
      EXPECT_EQ(error.code(), Errc::BadRequest);
      EXPECT_TRUE(mentions(error, file)) << error.what();
    }
  };
  check({.trustAnchors = {dir / "absent.pem"}}, "absent.pem");
  check({.trustAnchors = {dir / "garbage.pem"}}, "garbage.pem");
  check({.trustAnchors = {pkiFile("root.cert.pem")}, .intermediates = {dir / "empty.pem"}},
        "empty.pem");
  check({.trustAnchors = {pkiFile("root.cert.pem")}, .crls = {dir / "text.crl"}}, "text.crl");
}

TEST(AuthValidator, DerAnchorFilesWork) {
  TrustSettings settings = standardTrust();
  settings.trustAnchors = {pkiFile("root.cert.der")};
  settings.intermediates = {pkiFile("intermediate.cert.der")};
  EXPECT_NO_THROW(
      CertificateValidator(settings).validate(fixtureCertificate("cps-demo-auth"), kPinned));
}

TEST(AuthValidator, ConcurrentValidationsAndCopies) {
  const CertificateValidator validator = standardValidator();
  const CertificateValidator copy = validator;  // shares the loaded material
  std::vector<std::thread> threads;
  std::atomic<int> good{0};
  std::atomic<int> revoked{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      const auto& mine = t % 2 == 0 ? validator : copy;
      for (int i = 0; i < 20; ++i) {
        mine.validate(fixtureCertificate("cps-demo-auth"), kPinned);
        ++good;
        if (failureOf(mine, fixtureCertificate("cps-revoked-auth"), kPinned).code() ==
            Errc::CertificateRevoked) {
          ++revoked;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(good, 80);
  EXPECT_EQ(revoked, 80);
}

}  // namespace
}  // namespace hcbridge::testing
