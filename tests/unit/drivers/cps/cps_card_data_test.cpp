// Certificate identity, EF.SN.ICC and PIN counter parsing on their own.
#include "cps_card_data.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "hcbridge/base/openssl_handle.hpp"
#include "test_support.hpp"

namespace hcbridge::drivers::cps {
namespace {

using testing::expectError;
using testing::pkiFile;

// A self-signed certificate with the given subject entries (short names as
// openssl knows them), DER.
Bytes certificateWith(const std::vector<std::pair<std::string, std::string>>& subject) {
  static EVP_PKEY* key = EVP_RSA_gen(1024);
  const base::X509Handle cert(X509_new());
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600);
  X509_NAME* name = X509_get_subject_name(cert.get());
  for (const auto& [field, value] : subject) {
    EXPECT_EQ(X509_NAME_add_entry_by_txt(name, field.c_str(), MBSTRING_UTF8,
                                         reinterpret_cast<const unsigned char*>(value.data()),
                                         static_cast<int>(value.size()), -1, 0),
              1)
        << field;
  }
  X509_set_issuer_name(cert.get(), name);
  X509_set_pubkey(cert.get(), key);
  EXPECT_GT(X509_sign(cert.get(), key, EVP_sha256()), 0);
  unsigned char* der = nullptr;
  const int length = i2d_X509(cert.get(), &der);
  Bytes out(der, der + length);
  OPENSSL_free(der);
  return out;
}

TEST(CpsIdentity, ReadsTheTestLayoutOfTheDemoCertificate) {
  const PractitionerIdentity id =
      parseCertificateIdentity(pkiFile("cps-demo-auth.cert.der"), "auth");
  EXPECT_EQ(id.surname, "DURAND-TEST");
  EXPECT_EQ(id.givenNames, "H\xC3\xA9l\xC3\xA8ne");
  EXPECT_EQ(id.nationalId, "810101201234");
  EXPECT_EQ(id.professionCode, "10");
  EXPECT_EQ(id.profession,
            "M\xC3\xA9"
            "decin");
  const PractitionerIdentity expired =
      parseCertificateIdentity(pkiFile("cps-expired-auth.cert.der"));
  EXPECT_EQ(expired.surname, "ANCIEN-TEST");
  EXPECT_EQ(expired.profession, "Pharmacien");
  EXPECT_EQ(expired.nationalId, "810000000027");
}

TEST(CpsIdentity, FallsBackOnTheCommonName) {
  const auto id = parseCertificateIdentity(
      certificateWith({{"CN", "Jean Pierre DE LA TOUR-TEST"}, {"title", "Infirmier libéral"}}));
  EXPECT_EQ(id.givenNames, "Jean Pierre");
  EXPECT_EQ(id.surname, "DE LA TOUR-TEST");
  EXPECT_EQ(id.profession, "Infirmier libéral");
  EXPECT_EQ(id.professionCode, "");
  EXPECT_EQ(id.nationalId, "");
  const auto upper = parseCertificateIdentity(certificateWith({{"CN", "JEAN DUPONT-TEST"}}));
  EXPECT_EQ(upper.givenNames, "JEAN");
  EXPECT_EQ(upper.surname, "DUPONT-TEST");
  const auto one = parseCertificateIdentity(certificateWith({{"CN", "DUPONT"}}));
  EXPECT_EQ(one.givenNames, "");
  EXPECT_EQ(one.surname, "DUPONT");
  // An id-style CN (as some IGC-Sante certificates are said to have): the id, no name.
  const auto idCn = parseCertificateIdentity(
      certificateWith({{"CN", "899700218896/CPS"}, {"SN", "TEST"}, {"title", "99"}}));
  EXPECT_EQ(idCn.nationalId, "899700218896");
  EXPECT_EQ(idCn.surname, "TEST");
  EXPECT_EQ(idCn.givenNames, "");
  EXPECT_EQ(idCn.professionCode, "99");
  EXPECT_EQ(idCn.profession, "");  // unknown code
  const auto empty = parseCertificateIdentity(certificateWith({{"O", "TEST"}}));
  EXPECT_EQ(empty.surname, "");
  EXPECT_EQ(empty.nationalId, "");
}

TEST(CpsIdentity, SanitisesValues) {
  const auto id = parseCertificateIdentity(
      certificateWith({{"SN", "A\nB"}, {"GN", std::string(300, 'x')}, {"serialNumber", "81 01"}}));
  EXPECT_EQ(id.surname, "A?B");
  EXPECT_EQ(id.givenNames.size(), 256u);
  EXPECT_EQ(id.nationalId, "");  // not letters and digits only
  // A multi-byte character cut by the cap is dropped whole.
  const auto cut =
      parseCertificateIdentity(certificateWith({{"GN", std::string(255, 'x') + "\xC3\xA9"}}));
  EXPECT_EQ(cut.givenNames, std::string(255, 'x'));
}

TEST(CpsIdentity, RejectsWhatIsNoCertificate) {
  const Errc bad = Errc::CardDataInvalid;
  expectError([] { parseCertificateIdentity({}, "EF 4301"); }, bad, "EF 4301");
  expectError([] { parseCertificateIdentity(fromHex("30 03 02 01 05")); }, bad,
              "not a DER X.509 certificate");
  Bytes der = pkiFile("cps-demo-auth.cert.der");
  der.push_back(0x00);
  expectError([&] { parseCertificateIdentity(der); }, bad, "bytes after the certificate");
  der.resize(der.size() - 20);
  expectError([&] { parseCertificateIdentity(der); }, bad, "not a DER");
}

TEST(CpsSnIcc, SerialAndIssuer) {
  EXPECT_EQ(parseSnIcc(fromHex("5A 0A 80 25 00 00 01 99 21 38 45 0F")), "99213845");  // [S3]
  EXPECT_EQ(parseSnIcc(fromHex("5A 0A 80 25 00 00 01 99 00 12 34 3F 00 00")), "99001234");
  expectError([] { parseSnIcc(fromHex("5A 0A 80 27 00 00 01 99 21 38 45 0F")); },
              Errc::CardUnsupported, "another issuer");
  expectError([] { parseSnIcc(fromHex("5A 08 80 25 00 00 01 99 21 38")); }, Errc::CardDataInvalid,
              "EF.SN.ICC");
  expectError([] { parseSnIcc(fromHex("5A 0A 80 25 00 00 01 99 2F 38 45 0F")); },
              Errc::CardDataInvalid, "8 BCD digits");
}

TEST(CpsPinCounters, ParsesTheVendorTraceAnswer) {
  // A real card's answer from a vendor APDU trace (docs/cards-french.md, CPS "PIN and signature")
  // (tries max 3, left 3, then access rules A1).
  const PinCounters counters = parsePinCounters(
      fromHex("70 16 BF 81 01 12 A0 10 9A 01 03 9B 01 03 A1 08 8C 06 F3 00 00 13 FF 00"));
  EXPECT_EQ(counters.maxTries, 3);
  EXPECT_EQ(counters.triesLeft, 3);
  EXPECT_FALSE(counters.usesLeft);
  const PinCounters used =
      parsePinCounters(fromHex("70 10 BF 81 01 0C A0 0A 9A 01 03 9B 01 01 9D 02 00 00"));
  EXPECT_EQ(used.triesLeft, 1);
  EXPECT_EQ(used.usesLeft, 0);
}

TEST(CpsPinCounters, RejectsMalformedAnswers) {
  const Errc bad = Errc::CardDataInvalid;
  expectError([] { parsePinCounters(fromHex("70 05 BF 81 01")); }, bad, "PIN counters");
  expectError([] { parsePinCounters({}); }, bad, "no CHV object");
  expectError([] { parsePinCounters(fromHex("71 02 80 00")); }, bad, "no CHV object");
  expectError([] { parsePinCounters(fromHex("70 05 BF 90 01 00 00")); }, bad, "PIN counters");
  expectError([] { parsePinCounters(fromHex("70 04 BF 81 01 00")); }, bad, "no header A0");
  expectError([] { parsePinCounters(fromHex("70 09 BF 81 01 05 A0 03 9A 01 03")); }, bad,
              "missing");
  expectError([] { parsePinCounters(fromHex("70 0C BF 81 01 08 A0 06 9A 01 03 9B 01 04")); }, bad,
              "inconsistent");
  expectError([] { parsePinCounters(fromHex("70 0E BF 81 01 0A A0 08 9A 01 03 9B 03 00 00 01")); },
              bad, "bad size");
}

// The driver types the id a verifier keys on: idNat_PS "8" + RPPS is an RPPS
// number, any other idNat_PS (e.g. "0" + ADELI) stays an idnat.
TEST(CpsIdentity, TypesTheProfessionalId) {
  const auto demo = parseCertificateIdentity(pkiFile("cps-demo-auth.cert.der"));
  ASSERT_TRUE(demo.professionalId);
  EXPECT_EQ(demo.professionalId->idType, "rpps");
  EXPECT_EQ(demo.professionalId->id, "10101201234");
  const auto adeli = parseCertificateIdentity(certificateWith({{"serialNumber", "0751234567"}}));
  ASSERT_TRUE(adeli.professionalId);
  EXPECT_EQ(adeli.professionalId->idType, "idnat");
  EXPECT_EQ(adeli.professionalId->id, "0751234567");
  // Eleven digits after an 8 make an RPPS number; twelve do not.
  const auto longer =
      parseCertificateIdentity(certificateWith({{"serialNumber", "8123456789012"}}));
  ASSERT_TRUE(longer.professionalId);
  EXPECT_EQ(longer.professionalId->idType, "idnat");
  EXPECT_FALSE(parseCertificateIdentity(certificateWith({{"O", "TEST"}})).professionalId);
}

}  // namespace
}  // namespace hcbridge::drivers::cps
