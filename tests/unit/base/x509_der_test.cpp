// Whole-buffer X.509 DER parsing of untrusted bytes.
#include "hcbridge/base/x509_der.hpp"

#include <gtest/gtest.h>
#include <openssl/err.h>

#include <fstream>
#include <iterator>
#include <string>

namespace hcbridge::base {
namespace {

Bytes pkiFile(const std::string& name) {
  std::ifstream in(std::string(HCBRIDGE_PKI_DIR) + "/" + name, std::ios::binary);
  EXPECT_TRUE(in) << name;
  return Bytes(std::istreambuf_iterator<char>(in), {});
}

std::string subjectCommonName(const X509* certificate) {
  char text[256] = {};
  X509_NAME_get_text_by_NID(X509_get_subject_name(certificate), NID_commonName, text, sizeof text);
  return text;
}

TEST(X509DerTest, ParsesAWholeCertificate) {
  const Bytes der = pkiFile("root.cert.der");
  ASSERT_FALSE(der.empty());
  const X509Handle certificate = parseX509Der(der);
  ASSERT_TRUE(certificate);
  EXPECT_FALSE(subjectCommonName(certificate.get()).empty());
  const X509DerPrefix prefix = parseX509DerPrefix(der);
  ASSERT_TRUE(prefix.certificate);
  EXPECT_EQ(prefix.length, der.size());
  EXPECT_EQ(X509_cmp(prefix.certificate.get(), certificate.get()), 0);
}

TEST(X509DerTest, RefusesATruncatedCertificate) {
  Bytes der = pkiFile("cps-demo-auth.cert.der");
  ASSERT_GT(der.size(), 10u);
  der.pop_back();
  EXPECT_FALSE(parseX509Der(der));
  EXPECT_FALSE(parseX509DerPrefix(der).certificate);
  EXPECT_FALSE(parseX509Der(ByteView(der).first(10)));
  EXPECT_EQ(ERR_peek_error(), 0u) << "the error queue is left clear";
}

TEST(X509DerTest, TrailingBytesRefusedWholeAllowedAsPrefix) {
  const Bytes der = pkiFile("intermediate.cert.der");
  Bytes padded = der;
  padded.push_back(0x00);
  padded.push_back(0xFF);
  EXPECT_FALSE(parseX509Der(padded));
  const X509DerPrefix prefix = parseX509DerPrefix(padded);
  ASSERT_TRUE(prefix.certificate);
  EXPECT_EQ(prefix.length, der.size());
}

TEST(X509DerTest, RefusesGarbageAndEmptyInput) {
  EXPECT_FALSE(parseX509Der({}));
  EXPECT_FALSE(parseX509DerPrefix({}).certificate);
  EXPECT_EQ(parseX509DerPrefix({}).length, 0u);
  const Bytes notACertificate = {0x30, 0x03, 0x02, 0x01, 0x05};  // SEQUENCE { INTEGER 5 }
  EXPECT_FALSE(parseX509Der(notACertificate));
  const Bytes garbage(64, 0xA5);
  EXPECT_FALSE(parseX509Der(garbage));
  const Bytes pem = pkiFile("root.cert.pem");
  EXPECT_FALSE(parseX509Der(pem));
  EXPECT_EQ(ERR_peek_error(), 0u);
}

}  // namespace
}  // namespace hcbridge::base
