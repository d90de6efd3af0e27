#include "gematik_card.hpp"

#include <openssl/crypto.h>

#include <algorithm>
#include <cstdio>
#include <string>

#include "hcbridge/atr.hpp"
#include "hcbridge/base/x509_der.hpp"
#include "hcbridge/error.hpp"
#include "hcbridge/iso_commands.hpp"

namespace hcbridge::drivers::gematik {
namespace {

constexpr std::size_t kMaxObjectFile = 8192;  // certificates are about 1-1.5 KiB
constexpr std::size_t kHashSize = 32;
// gemSpec_COS algorithm identifiers (MSE SET, tag 80).
constexpr std::uint8_t kSignEcdsa = 0x00;
constexpr std::uint8_t kRsaClientAuthentication = 0x05;
// The class of gemSpec_COS's proprietary commands.
constexpr std::uint8_t kProprietaryCla = 0x80;
// gemSpec_COS GET PIN STATUS answers beyond ISO's 9000 / 63Cx / 6983.
constexpr std::uint16_t kSwTransportPin = 0x62C1;
constexpr std::uint16_t kSwEmptyPin = 0x62C7;
constexpr std::uint16_t kSwPinDisabled = 0x62D0;

// The ATRs of gematik's published card images (ref-OpenHealthCardKit, the
// coldAnswerToReset and warmAnswerToReset of each image), each row exact
// (empty mask); one ATR can name an eGK and an HBA, so a row answers Maybe.
// docs/cards-german.md "Recognising the cards".
constexpr atr::MaskedAtr kAtrRows[] = {
    {"3B D0 96 FF 81 B1 FE 45 1F 03 2E", "", "eGK G2.1 (cold reset)",
     "gematik ref-OpenHealthCardKit card images EGK_G2_1_ecc, EGK_G2_1_80276883110000095711_GuD"},
    {"3B D0 95 FF 81 B1 FE 45 1F 03 2D", "", "eGK G2.1 (warm reset)",
     "gematik ref-OpenHealthCardKit card images EGK_G2_1_ecc, EGK_G2_1_80276883110000095711_GuD"},
    {"3B 90 96 81 B1 FE 45 1F 03 91", "", "eGK G2 (E021D) or HBA G2.1 (cold reset)",
     "gematik ref-OpenHealthCardKit card images E021D-A5Tp_432_80276883110000218486, "
     "HBA_G2_1_80276883110000205690_gema5"},
    {"3B 90 18 81 B1 FE 45 1F 03 1F", "", "eGK G2 or HBA G2 (cold reset)",
     "gematik ref-OpenHealthCardKit card images EGKG2_80276883110000017222_gema5, "
     "EGKG2_80276883110000017333_gema5, HBAG2_80276883110000017289_gema5"},
    {"3B 90 95 81 B1 FE 45 1F 03 92", "", "eGK G2, HBA G2 or HBA G2.1 (warm reset)",
     "gematik ref-OpenHealthCardKit card images E021D-A5Tp_432_80276883110000218486, "
     "EGKG2_80276883110000017222_gema5, EGKG2_80276883110000017333_gema5, "
     "HBAG2_80276883110000017289_gema5, HBA_G2_1_80276883110000205690_gema5"},
};

// The rule the rows above cannot express, unchanged: any ATR atr::parse
// accepts (TS 3B or 3F, at most 33 bytes, a right TCK) that has no
// historical bytes and offers T=1, whatever its interface bytes. It is not a
// set of rows for two reasons:
// - The interface bytes have no fixed layout: each TDi's high nibble says
//   which of TAi+1..TDi+1 follow, so the rule takes ATRs of 4 to 33 bytes in
//   every layout, and a row has one length and one layout.
// - Offering T=1 makes TCK mandatory, and TCK is the XOR of T0 up to the
//   byte before it. A mask keeps or frees each bit on its own and cannot tie
//   one byte to the others: a row that frees any bit either accepts wrong
//   TCKs (which atr::parse refuses: wider than the rule) or fixes every byte,
//   i.e. lists the ATRs one by one, and they are far too many to list.
// So the rows name the published ATRs and this rule keeps accepting exactly
// what it accepted before. Every row lies inside it (checked by
// tests/unit/drivers/egk/gematik_atr_test.cpp): the rows widen nothing.
bool hasGematikShape(ByteView atr) {
  try {
    const atr::Atr parsed = atr::parse(atr);
    const bool t1 =
        std::find(parsed.protocols.begin(), parsed.protocols.end(), 1) != parsed.protocols.end();
    return parsed.historical.empty() && t1;
  } catch (const Error&) {
    return false;
  }
}

constexpr std::string_view kHint =
    "The card's content is not what a German health card (eGK/HBA) should hold. If the card "
    "works elsewhere, report it with the output of 'hcbridge readers --json'.";

[[noreturn]] void invalid(std::string_view what, const std::string& detail) {
  throwCardDataInvalid(what, detail, kHint);
}

// Wipes a byte buffer when the scope ends (PIN blocks in commands).
struct WipeOnExit {
  Bytes& bytes;
  ~WipeOnExit() { OPENSSL_cleanse(bytes.data(), bytes.size()); }
};

void selectEsign(CardConnection& card) {
  if (!select(card, ByteView(kEsignAid, sizeof kEsignAid), "DF.ESIGN")) {
    throw Error(Errc::OperationUnsupported, "The card has no DF.ESIGN application",
                "This card cannot sign for authentication.");
  }
}

void setSecurityEnvironment(CardConnection& card, apdu::ControlTemplate crt, std::uint8_t keyRef,
                            std::uint8_t algorithm, std::string_view keyName) {
  const auto response = card.transmit(apdu::manageSecurityEnvironmentSet(
      apdu::SecurityUse::Computation, crt,
      {apdu::privateKeyReference(keyRef), apdu::algorithmReference(algorithm)}));
  if (response.sw == apdu::sw::kSuccess) return;
  if (isKeyUnavailable(response.sw)) {
    throw Error(Errc::OperationUnsupported,
                "The card has no " + std::string(keyName) + " authentication key",
                "G2 cards have RSA keys only; use an RSA signature.");
  }
  throwUnexpectedStatus("MANAGE SECURITY ENVIRONMENT", response.sw, kHint);
}

Bytes signatureFrom(const apdu::ResponseApdu& response, std::string_view what,
                    std::size_t expectedSize) {
  throwIfPinRequired(response.sw, "The PIN must be verified before signing",
                     "Verify the card's PIN (PIN.CH) first.");
  if (response.sw != apdu::sw::kSuccess) throwUnexpectedStatus(what, response.sw, kHint);
  if (response.data.size() != expectedSize) {
    invalid(what, "the signature has " + std::to_string(response.data.size()) + " bytes, not " +
                      std::to_string(expectedSize));
  }
  return response.data;
}

void checkHash(ByteView hash) {
  if (hash.size() != kHashSize) {
    throw Error(Errc::BadRequest,
                "A SHA-256 hash has 32 bytes, not " + std::to_string(hash.size()));
  }
}

}  // namespace

std::span<const atr::MaskedAtr> atrRows() {
  return kAtrRows;
}

AtrMatch matchAtr(ByteView atr) {
  if (atr::findMatch(atr, kAtrRows) != nullptr) return AtrMatch::Maybe;
  return hasGematikShape(atr) ? AtrMatch::Maybe : AtrMatch::No;
}

bool select(CardConnection& card, ByteView aid, std::string_view name) {
  return selectAid(card, aid, name);
}

ReadOptions readOptions(const CardConnection& card, const ReadSettings& settings) {
  ReadOptions options;
  options.chunk = std::clamp<std::size_t>(settings.shortChunk, 1, apdu::kShortMaxNe);
  if (settings.useExtended && card.extendedLengthSupported()) options.chunk = apdu::kExtendedMaxNe;
  options.maxSize = 32768;  // READ BINARY offsets have 15 bits
  return options;
}

std::optional<Bytes> readObjectFile(CardConnection& card, std::uint8_t sfi, std::string_view name,
                                    bool absentOk, const ReadSettings& settings) {
  ReadOptions options = readOptions(card, settings);
  options.maxSize = std::min(options.maxSize, kMaxObjectFile);
  options.absentOk = absentOk;
  options.declaredLength = [name](ByteView prefix) -> std::optional<std::size_t> {
    try {
      return berObjectLength(prefix);
    } catch (const Error& e) {
      invalid(name, e.what());
    }
  };
  Bytes content = readTransparent(card, sfi, name, options);
  if (content.empty()) {
    if (absentOk) return std::nullopt;
    invalid(name, "the file is empty");
  }
  std::optional<std::size_t> length;
  try {
    length = berObjectLength(content);
  } catch (const Error& e) {
    invalid(name, e.what());
  }
  if (!length || *length != content.size()) invalid(name, "the file ends inside its content");
  return content;
}

void checkCertificate(ByteView der, std::string_view name) {
  if (!base::parseX509Der(der)) invalid(name, "not an X.509 certificate");
}

PinStatus pinStatus(CardConnection& card, std::uint8_t pinRef) {
  // gemSpec_COS GET PIN STATUS: VERIFY without data in the proprietary class
  // 80, which also reports the PIN's state (62C1, 62C7, 62D0).
  const auto response = card.transmit(apdu::verificationStatus(pinRef, kProprietaryCla));
  PinStatus status;
  status.maxTries = kPinMaxTries;
  status.state = "regular";
  if (readRetryCounter(response.sw, status)) return status;  // 9000, 63Cx, 6983
  switch (response.sw) {
    case kSwTransportPin:
      status.state = "transport-pin";
      status.triesLeft = kPinMaxTries;
      break;
    case kSwEmptyPin:
      status.state = "empty-pin";
      status.triesLeft = kPinMaxTries;
      break;
    case kSwPinDisabled:
      status.state = "disabled";
      break;
    default:
      throwUnexpectedStatus("GET PIN STATUS", response.sw, kHint);
  }
  return status;
}

void verifyPin(CardConnection& card, std::uint8_t pinRef, const SecretBytes& pin) {
  const ByteView digits = pin.view();
  const bool wellFormed = digits.size() >= 6 && digits.size() <= 8 &&
                          std::all_of(digits.begin(), digits.end(),
                                      [](std::uint8_t c) { return c >= '0' && c <= '9'; });
  if (!wellFormed) throw Error(Errc::BadRequest, "The card's PIN has 6 to 8 digits");
  const SecretBytes block = format2PinBlock(pin);
  apdu::CommandApdu command = apdu::verify(pinRef, block.view());
  apdu::ResponseApdu response;
  {
    WipeOnExit wipe{command.data};
    response = card.transmit(command);
  }
  if (response.sw == apdu::sw::kConditionsNotSatisfied) {
    throw Error(Errc::BadRequest, "The PIN cannot be used: the card still has its transport PIN",
                "Set your own PIN first (with the PIN letter of the card issuer).");
  }
  checkVerifyStatus(response.sw);
}

Bytes signEcdsa(CardConnection& card, std::uint8_t keyRef, ByteView hash) {
  checkHash(hash);
  selectEsign(card);
  setSecurityEnvironment(card, apdu::ControlTemplate::DigitalSignature, keyRef, kSignEcdsa,
                         "ECC (E256)");
  return signatureFrom(card.transmit(apdu::psoComputeDigitalSignature(hash)),
                       "PSO COMPUTE DIGITAL SIGNATURE", 64);
}

Bytes signRsaPkcs1(CardConnection& card, std::uint8_t keyRef, ByteView hash) {
  checkHash(hash);
  selectEsign(card);
  setSecurityEnvironment(card, apdu::ControlTemplate::Authentication, keyRef,
                         kRsaClientAuthentication, "RSA (R2048)");
  const Bytes digestInfo = sha256DigestInfo(hash);
  return signatureFrom(card.transmit(apdu::internalAuthenticate(digestInfo)),
                       "INTERNAL AUTHENTICATE", 256);
}

std::vector<Certificate> readAuthenticationCertificates(CardConnection& card,
                                                        const AuthenticationKeys& keys,
                                                        const ReadSettings& settings) {
  if (!select(card, ByteView(kEsignAid, sizeof kEsignAid), "DF.ESIGN")) {
    throw Error(Errc::CardDataInvalid,
                "DF.ESIGN: the " + std::string(keys.cardName) + " has no signature application");
  }
  std::vector<Certificate> certificates;
  const auto readCertificate = [&](std::uint8_t sfi, std::string_view label, bool absentOk) {
    const std::string file = "EF." + std::string(label);
    std::optional<Bytes> der = readObjectFile(card, sfi, file, absentOk, settings);
    if (!der) return;
    checkCertificate(*der, file);
    certificates.push_back({std::string(label), std::move(*der)});
  };
  readCertificate(keys.certSfiE256, keys.certLabelE256, true);
  readCertificate(keys.certSfiR2048, keys.certLabelR2048, false);
  return certificates;
}

Bytes signWithAuthenticationKey(CardConnection& card, const AuthenticationKeys& keys, ByteView hash,
                                SignatureScheme scheme) {
  switch (scheme) {
    case SignatureScheme::EcdsaSha256:
      return signEcdsa(card, keys.keyRefE256, hash);
    case SignatureScheme::RsaPkcs1Sha256:
      return signRsaPkcs1(card, keys.keyRefR2048, hash);
    case SignatureScheme::RsaPssSha256:
      break;
  }
  throw Error(Errc::OperationUnsupported, "hcbridge signs with the HBA as ES256 or RS256 only",
              "Use the card's native driver without rsa_signature \"pss\".");
}

}  // namespace hcbridge::drivers::gematik
