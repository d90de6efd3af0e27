// The practitioner constraints of the validator (issuers, policies, extended
// key usage) and the identity read from the certificate (issue 14, item 1).
#include <gtest/gtest.h>

#include "auth_test_support.hpp"
#include "hcbridge/auth/certificate_validator.hpp"
#include "hcbridge/auth/practitioner_identity.hpp"
#include "hcbridge/error.hpp"
#include "support/temp_dir.hpp"

namespace hcbridge::testing {
namespace {

using auth::CertificateValidator;
using auth::TrustSettings;

const auto kPinned = at(2026, 1, 1);

Error failureOf(const TrustSettings& settings, const Bytes& certificate) {
  try {
    CertificateValidator(settings).validate(certificate, kPinned);
  } catch (const Error& error) {
    return error;
  }
  return Error(Errc::Internal, "validated");
}

bool mentions(const Error& error, const std::string& text) {
  return std::string(error.what()).find(text) != std::string::npos;
}

// A deployment whose anchors also cover other kinds of certificates (as
// IGC-Santé's root does): the practitioner root and the patient-card root.
TrustSettings wideAnchors() {
  TrustSettings settings = standardTrust(false);
  settings.trustAnchors.push_back(pkiFile("patient-root.cert.pem"));
  settings.intermediates.push_back(pkiFile("vitale-ca.cert.pem"));
  settings.intermediates.push_back(pkiFile("staff-ca.cert.pem"));
  return settings;
}

TEST(AuthPractitionerIssuers, OnlyTheConfiguredIssuerPasses) {
  TrustSettings settings = wideAnchors();
  EXPECT_NO_THROW(
      CertificateValidator(settings).validate(fixtureCertificate("cps-demo-auth"), kPinned));
  // Same root, another CA (a staff member's certificate with every other
  // property of a practitioner's).
  const Error staff = failureOf(settings, fixtureCertificate("staff-auth"));
  EXPECT_EQ(staff.code(), Errc::CertificateUntrusted);
  EXPECT_TRUE(mentions(staff, "TEST hcbridge Staff CA")) << staff.what();
  EXPECT_TRUE(mentions(staff, "not a configured practitioner issuer")) << staff.what();
  // A patient card's certificate under the same anchors.
  settings.policies.clear();  // so that the issuer is what refuses it
  settings.extendedKeyUsages.clear();
  EXPECT_EQ(failureOf(settings, fixtureCertificate("vitale-family-card")).code(),
            Errc::CertificateUntrusted);
  // Without issuers the same anchors accept both: the gap the issuers close.
  settings.issuers.clear();
  EXPECT_NO_THROW(
      CertificateValidator(settings).validate(fixtureCertificate("staff-auth"), kPinned));
  EXPECT_NO_THROW(
      CertificateValidator(settings).validate(fixtureCertificate("vitale-family-card"), kPinned));
  EXPECT_FALSE(CertificateValidator(settings).restrictsIssuers());
  EXPECT_TRUE(CertificateValidator(wideAnchors()).restrictsIssuers());
}

TEST(AuthPractitionerIssuers, IssuersAddNoTrust) {
  // The intermediate as issuer but the other root as the only anchor.
  TrustSettings settings = standardTrust(false);
  settings.trustAnchors = {pkiFile("other-root.cert.pem")};
  EXPECT_EQ(failureOf(settings, fixtureCertificate("cps-demo-auth")).code(),
            Errc::CertificateUntrusted);
  // A certificate issued by the other root, that root listed as issuer only.
  settings = standardTrust(false);
  settings.issuers = {pkiFile("other-root.cert.pem")};
  EXPECT_EQ(failureOf(settings, fixtureCertificate("cps-wrong-ca-auth")).code(),
            Errc::CertificateUntrusted);
  // Issuers do not build the path either: without the intermediate, nothing.
  settings = standardTrust(false);
  settings.intermediates.clear();
  EXPECT_EQ(failureOf(settings, fixtureCertificate("cps-demo-auth")).code(),
            Errc::CertificateUntrusted);
}

TEST(AuthPractitionerIssuers, MatchedBySubjectAndKeyInAnyFileFormat) {
  TrustSettings settings = standardTrust(false);
  settings.issuers = {pkiFile("intermediate.cert.der")};
  EXPECT_NO_THROW(
      CertificateValidator(settings).validate(fixtureCertificate("cps-demo-auth"), kPinned));
  // Another CA's certificate that is not the issuer, however trusted.
  settings.issuers = {pkiFile("root.cert.pem")};
  EXPECT_EQ(failureOf(settings, fixtureCertificate("cps-demo-auth")).code(),
            Errc::CertificateUntrusted);
}

TEST(AuthPractitionerIssuers, ACertificateTrustedAsItselfMustBeItsOwnIssuer) {
  TempDir dir;
  const auto key = TestKey::generateEc("brainpoolP256r1");
  const Bytes card = key.selfSignedCertificate("TEST HBA image");
  writePem(dir / "card.pem", {card});
  TrustSettings settings{.trustAnchors = {dir / "card.pem"},
                         .issuers = {pkiFile("intermediate.cert.pem")}};
  EXPECT_EQ(failureOf(settings, card).code(), Errc::CertificateUntrusted);
  settings.issuers = {dir / "card.pem"};
  EXPECT_NO_THROW(CertificateValidator(settings).validate(card, kPinned));
}

TEST(AuthPractitionerPolicies, AnyOfTheConfiguredPolicies) {
  TrustSettings settings = standardTrust(false);
  const Error missing = failureOf(settings, fixtureCertificate("cps-no-policy-auth"));
  EXPECT_EQ(missing.code(), Errc::CertificatePolicy);
  EXPECT_TRUE(mentions(missing, "1.2.3.4.5.6.7.8.1")) << missing.what();
  // The signature certificate's policy (…8.2) is not the authentication one.
  settings.policies = {"1.2.3.4.5.6.7.8.2"};
  EXPECT_EQ(failureOf(settings, fixtureCertificate("cps-demo-auth")).code(),
            Errc::CertificatePolicy);
  settings.policies = {"1.2.3.4.5.6.7.8.2", "1.2.3.4.5.6.7.8.1"};
  EXPECT_NO_THROW(
      CertificateValidator(settings).validate(fixtureCertificate("cps-demo-auth"), kPinned));
  settings.policies.clear();
  EXPECT_NO_THROW(
      CertificateValidator(settings).validate(fixtureCertificate("cps-no-policy-auth"), kPinned));
}

TEST(AuthPractitionerEku, EveryConfiguredUsageIsRequired) {
  TrustSettings settings = standardTrust(false);
  const Error wrong = failureOf(settings, fixtureCertificate("cps-wrong-eku-auth"));
  EXPECT_EQ(wrong.code(), Errc::CertificateKeyUsage);
  EXPECT_TRUE(mentions(wrong, "1.3.6.1.5.5.7.3.2")) << wrong.what();
  // A certificate without extendedKeyUsage does not pass a required one.
  TempDir dir;
  const Bytes plain = TestKey::generateEc("P-256").selfSignedCertificate("TEST no EKU");
  writePem(dir / "plain.pem", {plain});
  EXPECT_EQ(failureOf({.trustAnchors = {dir / "plain.pem"},
                       .issuers = {dir / "plain.pem"},
                       .extendedKeyUsages = {kClientAuth}},
                      plain)
                .code(),
            Errc::CertificateKeyUsage);
  // clientAuth and emailProtection both required: the demo has clientAuth only.
  settings.extendedKeyUsages = {kClientAuth, "1.3.6.1.5.5.7.3.4"};
  EXPECT_EQ(failureOf(settings, fixtureCertificate("cps-demo-auth")).code(),
            Errc::CertificateKeyUsage);
  settings.extendedKeyUsages = {"1.3.6.1.5.5.7.3.4"};
  EXPECT_NO_THROW(
      CertificateValidator(settings).validate(fixtureCertificate("cps-wrong-eku-auth"), kPinned));
}

TEST(AuthPractitionerConstraints, BadOidsAreRefusedWhenLoading) {
  for (const std::string oid : {"clientAuth", "1.2..3", "1", ".1.2", "1.2.", "1.2.3a", ""}) {
    TrustSettings settings = standardTrust(false);
    settings.policies = {oid};
    try {
      CertificateValidator validator(settings);
      FAIL() << "accepted policy '" << oid << "'";
    } catch (const Error& error) {
      EXPECT_EQ(error.code(), Errc::BadRequest) << oid;
      EXPECT_TRUE(mentions(error, "dotted decimal")) << error.what();
    }
    settings.policies.clear();
    settings.extendedKeyUsages = {oid};
    EXPECT_THROW(CertificateValidator{settings}, Error) << oid;
  }
  TrustSettings missingFile = standardTrust(false);
  missingFile.issuers = {"/nonexistent/issuer.pem"};
  try {
    CertificateValidator validator(missingFile);
    FAIL() << "accepted a missing issuer file";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), Errc::BadRequest);
    EXPECT_TRUE(mentions(error, "practitioner issuer")) << error.what();
  }
}

TEST(AuthPractitionerIdentity, CpsCertificate) {
  const auto identity = auth::practitionerIdentityOf(fixtureCertificate("cps-demo-auth"));
  EXPECT_EQ(identity.idType, "rpps");
  EXPECT_EQ(identity.id, "10101201234");
  EXPECT_EQ(identity.name, "Hélène DURAND-TEST");
}

TEST(AuthPractitionerIdentity, IdNatOtherThanRppsAndInTheCommonName) {
  const auto key = TestKey::generateEc("P-256");
  auto identity =
      auth::practitionerIdentityOf(key.selfSignedCertificate("TEST", true, "3B1234567"));
  EXPECT_EQ(identity.idType, "idnat");
  EXPECT_EQ(identity.id, "3B1234567");
  // The CN layout "<idNat>/<name>" with no serialNumber.
  identity =
      auth::practitionerIdentityOf(key.selfSignedCertificate("899700012345/Jean TEST", true, ""));
  EXPECT_EQ(identity.idType, "rpps");
  EXPECT_EQ(identity.id, "99700012345");
  EXPECT_EQ(identity.name, "899700012345/Jean TEST");
}

TEST(AuthPractitionerIdentity, HbaAdmissionRegistrationNumber) {
  const auto key = TestKey::generateEc("brainpoolP256r1");
  const auto identity = auth::practitionerIdentityOf(
      key.selfSignedHbaCertificate("MUSTER-TEST", "1-20014567890-TEST"));
  // The admission wins over the subject serialNumber (the card's ICCSN).
  EXPECT_EQ(identity.idType, "telematik-id");
  EXPECT_EQ(identity.id, "1-20014567890-TEST");
  EXPECT_EQ(identity.name, "Gerda MUSTER-TEST");
}

TEST(AuthPractitionerIdentity, NoIdentityIsRefused) {
  const auto key = TestKey::generateEc("P-256");
  for (const Bytes& certificate :
       {fixtureCertificate("vitale-family-card"), key.selfSignedCertificate("TEST", true, ""),
        key.selfSignedCertificate("TEST", true, "has space"),
        key.selfSignedHbaCertificate("MUSTER-TEST", "bad number")}) {
    try {
      auth::practitionerIdentityOf(certificate);
      ADD_FAILURE() << "an identity was found";
    } catch (const Error& error) {
      EXPECT_EQ(error.code(), Errc::CertificatePolicy);
    }
  }
  EXPECT_THROW(auth::practitionerIdentityOf(Bytes{0x30, 0x03, 0x02, 0x01}), Error);
}

}  // namespace
}  // namespace hcbridge::testing
