// The CV-certificate parser: synthetic certificates with a fresh
// brainpoolP256r1 key, every truncation and the malformations a card could
// hold, and the CVCs of gematik's eGK images.
#include "egk_cvc.hpp"

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <string>

#include "german_test_support.hpp"
#include "hcbridge/base/openssl_handle.hpp"
#include "hcbridge/tlv.hpp"
#include "hcbridge_test/expect_error.hpp"
#include "hcbridge_test/gematik_images.hpp"

namespace hcbridge::testing {
namespace {

using drivers::egk::brainpoolP256r1PublicKeyInfo;
using drivers::egk::parseCvCertificate;

// 04 || X || Y of a fresh brainpoolP256r1 key.
Bytes freshPoint() {
  const base::EvpPkeyHandle key(EVP_EC_gen("brainpoolP256r1"));
  EXPECT_TRUE(key);
  Bytes point(65);
  std::size_t length = 0;
  EXPECT_EQ(EVP_PKEY_get_octet_string_param(key.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                            point.size(), &length),
            1);
  point.resize(length);
  return point;
}

// A CV certificate laid out as the eGK's (values invented).
struct Parts {
  Bytes point = freshPoint();
  Bytes oid = fromHex("2B 24 03 05 03 01");  // authS_gemSpec-COS-G2_ecc-with-sha256
  Bytes effective = fromHex("02 05 00 01 00 01");
  Bytes expiry = fromHex("03 00 00 01 00 01");
  Bytes signature = Bytes(64, 0x5A);
};

Bytes cvc(const Parts& parts) {
  using tlv::constructed;
  using tlv::primitive;
  const tlv::Node body = constructed(
      0x7F4E, {primitive(0x5F29, {0x70}), primitive(0x42, fromHex("44 45 47 58 58 10 02 18")),
               constructed(0x7F49, {primitive(0x06, parts.oid), primitive(0x86, parts.point)}),
               primitive(0x5F20, fromHex("00 09 80 27 68 83 11 00 00 00 00 01")),
               constructed(0x7F4C, {primitive(0x06, fromHex("2A 82 14 00 4C 04 81 18")),
                                    primitive(0x53, fromHex("00 00 00 00 00 00 00"))}),
               primitive(0x5F25, parts.effective), primitive(0x5F24, parts.expiry)});
  return tlv::encode(constructed(0x7F21, {body, primitive(0x5F37, parts.signature)}));
}

TEST(EgkCvc, ParsesEveryField) {
  const Parts parts;
  const Bytes der = cvc(parts);
  const auto certificate = parseCvCertificate(der, "EF.TEST");
  EXPECT_EQ(certificate.profileIdentifier, 0x70);
  EXPECT_EQ(certificate.authorityReference, fromHex("44 45 47 58 58 10 02 18"));
  EXPECT_EQ(certificate.publicKeyOid, parts.oid);
  EXPECT_EQ(certificate.publicPoint, parts.point);
  EXPECT_EQ(certificate.holderReference, fromHex("00 09 80 27 68 83 11 00 00 00 00 01"));
  EXPECT_EQ(certificate.holderAuthorization.size(), 19u);
  EXPECT_EQ(certificate.effectiveDate, "250101");
  EXPECT_EQ(certificate.expiryDate, "300101");
  EXPECT_EQ(certificate.signature, parts.signature);
  // The body is the 7F4E object as it is in the file (after 7F21 81 xx).
  ASSERT_GT(der.size(), certificate.body.size() + 3);
  EXPECT_EQ(Bytes(der.begin() + 4, der.begin() + 4 + certificate.body.size()), certificate.body);
  EXPECT_EQ(certificate.body[0], 0x7F);
  EXPECT_EQ(certificate.body[1], 0x4E);
}

TEST(EgkCvc, EveryTruncationIsRefused) {
  const Bytes der = cvc(Parts{});
  for (std::size_t length = 0; length < der.size(); ++length) {
    expectError([&] { parseCvCertificate(ByteView(der.data(), length), "EF.TEST"); },
                Errc::CardDataInvalid, "EF.TEST: ");
  }
}

TEST(EgkCvc, Malformations) {
  const Parts good;
  Bytes trailing = cvc(good);
  trailing.push_back(0x00);
  expectError([&] { parseCvCertificate(trailing, "EF.TEST"); }, Errc::CardDataInvalid,
              "unexpected bytes after the CV certificate");

  Parts badDate = good;
  badDate.expiry[2] = 0x0A;
  expectError([&] { parseCvCertificate(cvc(badDate), "EF.TEST"); }, Errc::CardDataInvalid,
              "date in tag 5F24 is not 6 digits");
  badDate.expiry.pop_back();
  expectError([&] { parseCvCertificate(cvc(badDate), "EF.TEST"); }, Errc::CardDataInvalid,
              "has 5 bytes, not 6");

  Parts compressed = good;
  compressed.point[0] = 0x02;
  expectError([&] { parseCvCertificate(cvc(compressed), "EF.TEST"); }, Errc::CardDataInvalid,
              "not an uncompressed point");

  Parts oddSignature = good;
  oddSignature.signature.pop_back();
  expectError([&] { parseCvCertificate(cvc(oddSignature), "EF.TEST"); }, Errc::CardDataInvalid,
              "odd size");

  expectError([&] { parseCvCertificate(fromHex("7F 21 80 00 00"), "EF.TEST"); },
              Errc::CardDataInvalid, "indefinite length in tag 7F21");
  expectError([&] { parseCvCertificate(fromHex("7F 21 83 00 00 01 00"), "EF.TEST"); },
              Errc::CardDataInvalid, "length of tag 7F21 is too long");
  expectError([&] { parseCvCertificate(fromHex("7F A1 80 01 00"), "EF.TEST"); },
              Errc::CardDataInvalid, "tag longer than 2 bytes");
  expectError([&] { parseCvCertificate(fromHex("7F 21 82 FF FF 00"), "EF.TEST"); },
              Errc::CardDataInvalid, "declares 65535 bytes, only 1 follow");
  expectError([&] { parseCvCertificate(fromHex("7F 21 03 5F 37 00"), "EF.TEST"); },
              Errc::CardDataInvalid, "expected tag 7F4E, found tag 5F37");
  // What EGK_G2_1_ecc.xml holds in its CVC files: an X.509 certificate.
  expectError([&] { parseCvCertificate(fromHex("30 82 03 03 30 82 02 A9"), "EF.TEST"); },
              Errc::CardDataInvalid, "found tag 30 (an X.509 certificate, not a CV certificate?)");
}

TEST(EgkCvc, PublicKeyInfoOfAPoint) {
  const Bytes point = freshPoint();
  const Bytes info = brainpoolP256r1PublicKeyInfo(point, "EF.TEST");
  const unsigned char* cursor = info.data();
  const base::EvpPkeyHandle key(d2i_PUBKEY(nullptr, &cursor, static_cast<long>(info.size())));
  ASSERT_TRUE(key);
  char group[64] = {};
  std::size_t length = 0;
  ASSERT_EQ(EVP_PKEY_get_utf8_string_param(key.get(), OSSL_PKEY_PARAM_GROUP_NAME, group,
                                           sizeof group, &length),
            1);
  EXPECT_STREQ(group, "brainpoolP256r1");
  Bytes back(65);
  ASSERT_EQ(EVP_PKEY_get_octet_string_param(key.get(), OSSL_PKEY_PARAM_PUB_KEY, back.data(),
                                            back.size(), &length),
            1);
  EXPECT_EQ(back, point);

  Bytes offCurve = point;
  offCurve.back() ^= 0x01;
  expectError([&] { brainpoolP256r1PublicKeyInfo(offCurve, "EF.TEST"); }, Errc::CardDataInvalid,
              "EF.TEST: the public key is not a point on brainpoolP256r1");
  expectError([&] { brainpoolP256r1PublicKeyInfo(ByteView(point.data(), 33), "EF.TEST"); },
              Errc::CardDataInvalid, "not a 256-bit uncompressed point");
}

// The eGK images' EF.C.eGK.AUT_CVC.E256: its point is the public key of
// PrK.eGK.AUT_CVC.E256 (key 09 of the MF) in the same image.
class EgkImageCvc : public GematikImagesTest<::testing::TestWithParam<const char*>> {};

TEST_P(EgkImageCvc, AutCvcCertifiesKey09) {
  sim::Profile profile = gematikImage(GetParam());
  const Bytes der = fileIn(profile, {}, 0x2F06).data;
  const auto certificate = parseCvCertificate(der, "EF.C.eGK.AUT_CVC.E256");
  EXPECT_EQ(certificate.profileIdentifier, 0x70);
  EXPECT_EQ(certificate.publicKeyOid, fromHex("2B 24 03 05 03 01"));
  EXPECT_EQ(certificate.holderReference.size(), 12u);
  EXPECT_EQ(certificate.signature.size(), 64u);
  const Bytes info = brainpoolP256r1PublicKeyInfo(certificate.publicPoint, "EF.C.eGK.AUT_CVC.E256");

  const sim::KeySpec* key09 = nullptr;
  for (const auto& key : profile.keys) {
    if (key.ref == 0x09 && key.dfAid.empty()) key09 = &key;
  }
  ASSERT_NE(key09, nullptr);
  const std::string& pem = key09->privateKeyPem;
  const base::BioHandle bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  const base::EvpPkeyHandle privateKey(
      PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  ASSERT_TRUE(privateKey);
  unsigned char* expected = nullptr;
  const int length = i2d_PUBKEY(privateKey.get(), &expected);
  ASSERT_GT(length, 0);
  EXPECT_EQ(info, Bytes(expected, expected + length));
  OPENSSL_free(expected);

  // The CA certificate next to it (EF.C.CA_eGK.CS.E256) parses too.
  const auto ca = parseCvCertificate(fileIn(profile, {}, 0x2F07).data, "EF.C.CA_eGK.CS.E256");
  EXPECT_EQ(ca.holderReference, certificate.authorityReference);
}

INSTANTIATE_TEST_SUITE_P(Images, EgkImageCvc,
                         ::testing::Values(kEgkGuD, kEgk17222, kEgk17333, kEgk218486));

}  // namespace
}  // namespace hcbridge::testing
