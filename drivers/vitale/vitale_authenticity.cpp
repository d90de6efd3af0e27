// The INVENTED card authentication of the hcbridge Vitale simulator profiles.
// The real Vitale card authentication is not public (SESAM-Vitale licence),
// so hcbridge cannot prove a real Carte Vitale genuine: on a card without the
// invented EF this is Error(OperationUnsupported) saying so.
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <cstdio>
#include <string>

#include "card_io.hpp"
#include "hcbridge/base/x509_der.hpp"
#include "hcbridge/error.hpp"
#include "hcbridge/iso_commands.hpp"
#include "vitale_data.hpp"
#include "vitale_driver.hpp"

namespace hcbridge::drivers::vitale {
namespace {

constexpr std::size_t kDigestSize = 32;
constexpr std::size_t kMaxCertificateSize = 4096;
constexpr std::string_view kFileName = "EF 2F10 (invented card certificate)";

const char* const kNotPublic =
    "Carte Vitale 2 has no card-authentication function hcbridge can use: the real Vitale card "
    "authentication is not public (SESAM-Vitale licence), so hcbridge cannot check that a real "
    "Carte Vitale is genuine";
const char* const kNotPublicHint =
    "Only hcbridge's simulated TEST cards (vitale-family, vitale-forged, vitale-cloned) have the "
    "invented card-authentication function.";
const char* const kHint =
    "The card's invented card-authentication function is not laid out as hcbridge's simulator "
    "profiles lay it out.";

[[noreturn]] void invalid(std::string_view what, const std::string& detail) {
  throwCardDataInvalid(what, detail, kHint);
}

// The certificate's SubjectPublicKeyInfo, which must be an EC key: the
// invented function signs with ECDSA.
Bytes ecPublicKeyInfo(const Bytes& der) {
  const base::X509Handle certificate = base::parseX509Der(der);
  if (!certificate) invalid(kFileName, "not an X.509 certificate");
  EVP_PKEY* key = X509_get0_pubkey(certificate.get());
  if (key == nullptr || !EVP_PKEY_is_a(key, "EC")) {
    ERR_clear_error();
    invalid(kFileName, "the certificate's key is not an EC key");
  }
  unsigned char* info = nullptr;
  const int length = i2d_PUBKEY(key, &info);
  if (length <= 0) {
    ERR_clear_error();
    throw Error(Errc::Internal, "OpenSSL: cannot encode a public key");
  }
  Bytes result(info, info + length);
  OPENSSL_free(info);
  return result;
}

}  // namespace

CardAuthenticityProof proveAuthenticity(CardConnection& card, ByteView challengeDigest) {
  if (challengeDigest.size() != kDigestSize) {
    throw Error(Errc::BadRequest, "The challenge digest has " +
                                      std::to_string(challengeDigest.size()) +
                                      " bytes; a SHA-256 digest has 32");
  }
  if (!selectAid(card, ByteView(kVitaleAid, sizeof kVitaleAid), "VITALE application")) {
    throw Error(Errc::CardUnsupported, "The card has a Carte Vitale ATR but no VITALE application");
  }
  const auto selected = card.transmit(apdu::selectByFid(
      kCardCertificateFid, apdu::FidScope::EfUnderCurrentDf, apdu::SelectAnswer::None));
  if (selected.sw == apdu::sw::kFileNotFound) {
    throw Error(Errc::OperationUnsupported, kNotPublic, kNotPublicHint);
  }
  if (selected.sw != apdu::sw::kSuccess) {
    throwUnexpectedStatus(kFileName, selected.sw, kHint, "SELECT");
  }

  ReadOptions options;
  options.maxSize = kMaxCertificateSize;
  options.declaredLength = [](ByteView prefix) -> std::optional<std::size_t> {
    try {
      return berObjectLength(prefix);
    } catch (const Error& e) {
      invalid(kFileName, e.what());
    }
  };
  Bytes certificate = readTransparent(card, std::nullopt, kFileName, options);

  CardAuthenticityProof proof;
  proof.publicKeyInfo = ecPublicKeyInfo(certificate);
  proof.x509Certificates.push_back(std::move(certificate));
  proof.certificateKind = "x509";
  proof.keyLabel = "invented Vitale card key";
  proof.scheme = SignatureScheme::EcdsaSha256;

  constexpr std::string_view kMse = "MANAGE SECURITY ENVIRONMENT (invented key 10)";
  constexpr std::string_view kAuthenticate = "INTERNAL AUTHENTICATE (invented key 10)";
  const auto keySet = card.transmit(apdu::manageSecurityEnvironmentSet(
      apdu::SecurityUse::Computation, apdu::ControlTemplate::Authentication,
      {apdu::privateKeyReference(kCardKeyRef)}));
  if (keySet.sw != apdu::sw::kSuccess) throwUnexpectedStatus(kMse, keySet.sw, kHint);
  const auto answer = card.transmit(apdu::internalAuthenticate(challengeDigest));
  if (answer.sw != apdu::sw::kSuccess) throwUnexpectedStatus(kAuthenticate, answer.sw, kHint);
  // ECDSA r || s: two halves of the curve order's size, P-256 being 64 bytes.
  if (answer.data.empty() || answer.data.size() % 2 != 0 || answer.data.size() > 132) {
    invalid(kAuthenticate,
            "the answer of " + std::to_string(answer.data.size()) + " bytes is no r||s signature");
  }
  proof.signature = answer.data;
  return proof;
}

}  // namespace hcbridge::drivers::vitale
