// Test PKI access and a software "card" for the auth tests: the fixture keys
// (tests/pki/fixtures) and in-test EC keys sign digests the way a card does.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include "hcbridge/auth/certificate_validator.hpp"
#include "hcbridge/auth/tokens.hpp"
#include "hcbridge/bytes.hpp"

namespace hcbridge::testing {

std::filesystem::path pkiFile(const std::string& name);  // tests/pki/fixtures/<name>
Bytes readBytes(const std::filesystem::path& file);
Bytes fixtureCertificate(const std::string& stem);  // <stem>.cert.der

// UTC midnight of a day, e.g. at(2026, 1, 1).
std::chrono::system_clock::time_point at(int year, int month, int day);

// The nonce and origin the token tests use: valid by Web eID's rules.
inline const std::string kNonce = "c2VjcmV0LW5vbmNlLW9mLTMyLWJ5dGVzLWZvci10ZXN0cyE=";  // 48 chars
inline const std::string kOrigin = "https://records.example.org";

// What the TEST PKI's practitioner authentication certificates carry
// (tests/pki/make-test-pki.sh) and standardTrust() requires.
inline const std::string kTestPractitionerPolicy = "1.2.3.4.5.6.7.8.1";
inline const std::string kClientAuth = "1.3.6.1.5.5.7.3.2";
// The idNat_PS of self-signed test certificates: RPPS 10000000992.
inline const std::string kSelfSignedIdNat = "810000000992";

// A private key that signs SHA-256 digests like a card: RSA PKCS#1 v1.5 (or
// PSS), ECDSA as raw r||s.
class TestKey {
 public:
  static TestKey fromPem(const std::filesystem::path& file);
  static TestKey generateEc(const std::string& curve);  // "P-256", "brainpoolP256r1"

  Bytes signDigest(ByteView digest) const;
  Bytes signDigestPss(ByteView digest) const;
  // ECDSA only: the signature as OpenSSL makes it (DER).
  Bytes signDigestDer(ByteView digest) const;
  // Holds its own reference to the key: safe to keep after this object goes.
  auth::DigestSigner signer() const;

  // A self-signed certificate for this key, valid 2025..2049, with keyUsage
  // digitalSignature unless `keyUsage` is false, naming the practitioner
  // `serialNumber` (an idNat_PS, "" for none) in its subject.
  Bytes selfSignedCertificate(const std::string& commonName, bool keyUsage = true,
                              const std::string& serialNumber = kSelfSignedIdNat) const;
  // The same with an HBA's layout: surname, given name, and the admission
  // extension (1.3.36.8.3.3) whose registrationNumber is `telematikId`.
  Bytes selfSignedHbaCertificate(const std::string& surname, const std::string& telematikId) const;

 private:
  struct Impl;
  explicit TestKey(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

// The demo card's key and certificate (RSA, issued by the test intermediate).
TestKey demoKey();

// root as anchor, intermediate as untrusted intermediate, optionally its CRL;
// the intermediate as the one practitioner issuer, the TEST policy and
// clientAuth required.
auth::TrustSettings standardTrust(bool withCrl = true);
auth::CertificateValidator standardValidator(bool withCrl = true);

// Writes DER certificates as one PEM file.
void writePem(const std::filesystem::path& file, const std::vector<Bytes>& certificates);

// Plain OpenSSL (no hcbridge code): does `derSignature` verify over the
// SHA-256 of `message` with the certificate's key?
bool opensslVerifyMessage(ByteView certificateDer, const std::string& message,
                          ByteView derSignature);

}  // namespace hcbridge::testing
