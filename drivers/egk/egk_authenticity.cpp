#include "egk_authenticity.hpp"

#include <cstdio>
#include <string>

#include "egk_cvc.hpp"
#include "hcbridge/error.hpp"
#include "hcbridge/iso_commands.hpp"

namespace hcbridge::drivers::egk {
namespace {

// In the MF (docs/cards-german.md "Card authenticity", gematik images): EF.C.eGK.AUT_CVC.E256 is
// FID 2F06, SFI 06, readable ALW; PrK.eGK.AUT_CVC.E256 has keyIdentifier 09 and allows INTERNAL
// AUTHENTICATE (00 88 00 00) ALW. A key of the MF is addressed by its keyIdentifier alone (a
// DF-specific one would be 80 | id).
constexpr std::uint8_t kSfiAutCvc = 0x06;
constexpr std::string_view kAutCvcFile = "EF.C.eGK.AUT_CVC.E256";
constexpr std::string_view kAutCvcKey = "PrK.eGK.AUT_CVC.E256";
constexpr std::uint8_t kAutCvcKeyRef = 0x09;
// gemSpec_COS algorithm identifier of elcRoleAuthentication.
constexpr std::uint8_t kElcRoleAuthentication = 0x00;
constexpr std::size_t kDigestSize = 32;
constexpr std::size_t kSignatureSize = 64;  // r || s on brainpoolP256r1
constexpr std::size_t kMaxCvcSize = 1024;   // a card CVC has about 220 bytes

const char* const kHint =
    "The card did not prove it is genuine. If it works elsewhere, report it with the output of "
    "'hcbridge readers --json'.";

// The CV certificate up to the length its 7F21 header declares. A file that
// starts with anything but 7F21 (EGK_G2_1_ecc.xml holds X.509 bodies there)
// is refused from its first bytes.
Bytes readCvcFile(CardConnection& card, const gematik::ReadSettings& settings) {
  ReadOptions options = gematik::readOptions(card, settings);
  options.maxSize = kMaxCvcSize;
  options.declaredLength = [](ByteView prefix) -> std::optional<std::size_t> {
    if (prefix.size() >= 2 && (prefix[0] != 0x7F || prefix[1] != 0x21)) {
      throw Error(Errc::CardDataInvalid,
                  std::string(kAutCvcFile) + ": not a CV certificate (tag " +
                      toHex(prefix.first(prefix[0] == 0x7F ? 2 : 1)) + ", not 7F21)",
                  kHint);
    }
    try {
      return berObjectLength(prefix);
    } catch (const Error& e) {
      throw Error(Errc::CardDataInvalid, std::string(kAutCvcFile) + ": " + e.what(), kHint);
    }
  };
  Bytes content = readTransparent(card, kSfiAutCvc, kAutCvcFile, options);
  if (content.empty()) {
    throw Error(Errc::CardDataInvalid, std::string(kAutCvcFile) + ": the file is empty", kHint);
  }
  return content;
}

}  // namespace

CardAuthenticityProof proveAuthenticity(CardConnection& card, ByteView challengeDigest,
                                        const gematik::ReadSettings& settings) {
  if (challengeDigest.size() != kDigestSize) {
    throw Error(Errc::BadRequest, "The challenge digest has " +
                                      std::to_string(challengeDigest.size()) +
                                      " bytes; a SHA-256 digest has 32");
  }
  if (!gematik::select(card, ByteView(gematik::kEgkMfAid, sizeof gematik::kEgkMfAid), "eGK MF")) {
    throw Error(Errc::CardUnsupported, "This card is not an eGK (no eGK master file)");
  }
  const Bytes der = readCvcFile(card, settings);
  const CvCertificate cvc = parseCvCertificate(der, kAutCvcFile);

  CardAuthenticityProof proof;
  proof.publicKeyInfo = brainpoolP256r1PublicKeyInfo(cvc.publicPoint, kAutCvcFile);
  proof.certificateKind = "cvc";
  proof.keyLabel = std::string(kAutCvcKey);
  proof.scheme = SignatureScheme::EcdsaSha256;

  const auto selected = card.transmit(apdu::manageSecurityEnvironmentSet(
      apdu::SecurityUse::Computation, apdu::ControlTemplate::Authentication,
      {apdu::privateKeyReference(kAutCvcKeyRef),
       apdu::algorithmReference(kElcRoleAuthentication)}));
  if (isKeyUnavailable(selected.sw)) {
    throw Error(Errc::OperationUnsupported, "The eGK has no " + std::string(kAutCvcKey) +
                                                " for role authentication " +
                                                "(MANAGE SECURITY ENVIRONMENT answered " +
                                                apdu::statusWordText(selected.sw) + ")");
  }
  if (selected.sw != apdu::sw::kSuccess) {
    throwUnexpectedStatus("MANAGE SECURITY ENVIRONMENT for " + std::string(kAutCvcKey), selected.sw,
                          kHint);
  }
  // The simulator signs the 32 bytes as the digest. How a real card treats
  // the input of elcRoleAuthentication is not in the public fact sheets.
  const auto answer = card.transmit(apdu::internalAuthenticate(challengeDigest));
  if (answer.sw == apdu::sw::kSecurityNotSatisfied ||
      answer.sw == apdu::sw::kConditionsNotSatisfied) {
    throw Error(Errc::OperationUnsupported, "The eGK refused INTERNAL AUTHENTICATE with " +
                                                std::string(kAutCvcKey) + ": " +
                                                apdu::statusWordText(answer.sw));
  }
  if (answer.sw != apdu::sw::kSuccess || answer.data.size() != kSignatureSize) {
    throw Error(Errc::CardDataInvalid,
                "INTERNAL AUTHENTICATE with " + std::string(kAutCvcKey) + ": the card answered " +
                    apdu::statusWordText(answer.sw) + " with " +
                    std::to_string(answer.data.size()) + " bytes, not a 64-byte signature",
                kHint);
  }
  proof.signature = answer.data;
  return proof;
}

}  // namespace hcbridge::drivers::egk
