// APDU sequences the German cards (eGK, HBA) share: recognition, reading
// with the largest chunks, certificates, PIN status and VERIFY, signatures
// with the authentication keys. Commands as in docs/cards-german.md "What the eGK driver reads" and
// "PIN, certificates, signatures".
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "card_io.hpp"
#include "hcbridge/atr.hpp"
#include "hcbridge/card_driver.hpp"

namespace hcbridge::drivers::gematik {

inline constexpr std::uint8_t kEgkMfAid[] = {0xD2, 0x76, 0x00, 0x01, 0x44, 0x80, 0x00};
inline constexpr std::uint8_t kHbaMfAid[] = {0xD2, 0x76, 0x00, 0x01, 0x46, 0x01};
inline constexpr std::uint8_t kHcaAid[] = {0xD2, 0x76, 0x00, 0x00, 0x01, 0x02};
inline constexpr std::uint8_t kEsignAid[] = {0xA0, 0x00, 0x00, 0x01, 0x67,
                                             0x45, 0x53, 0x49, 0x47, 0x4E};

// Short EF identifiers.
inline constexpr std::uint8_t kSfiVersion2 = 0x11;
inline constexpr std::uint8_t kSfiGdo = 0x02;

// The PIN.CH counter: 3 tries on every G2/G2.1 card.
inline constexpr int kPinMaxTries = 3;

// The ATR rows of docs/cards-german.md "Recognising the cards": the ATRs
// gematik publishes in its card images, each one exact. eGK and HBA share
// them, so a row says Maybe and the AID probe decides.
std::span<const atr::MaskedAtr> atrRows();

// Maybe for an ATR of atrRows() and for any other well-formed ATR
// (atr::parse) without historical bytes that offers T=1: the rule the rows
// cannot express (see gematik_card.cpp). Anything else: No.
AtrMatch matchAtr(ByteView atr);

// SELECT of a DF by AID (P2 0C); false on 6A82. Other answers throw as
// selectAid() does.
bool select(CardConnection& card, ByteView aid, std::string_view name);

// How much one READ BINARY asks for.
struct ReadSettings {
  // Le of a short READ BINARY: 256 (Le 00); old readers may need 254 or less.
  std::size_t shortChunk = apdu::kShortMaxNe;
  // One extended READ BINARY per file when the connection allows extended APDUs.
  bool useExtended = true;
};

// The read options of a first read per `settings`.
ReadOptions readOptions(const CardConnection& card, const ReadSettings& settings = {});

// A file whose content is one DER/BER object (certificate, EF.Version2,
// EF.GDO): reads up to the length its header declares. `absentOk`: nullopt
// when the file does not exist (6A82).
std::optional<Bytes> readObjectFile(CardConnection& card, std::uint8_t sfi, std::string_view name,
                                    bool absentOk = false, const ReadSettings& settings = {});

// Checks that `der` is one X.509 certificate; throws CardDataInvalid naming
// the file otherwise.
void checkCertificate(ByteView der, std::string_view name);

// GET PIN STATUS (80 20 00 ref).
PinStatus pinStatus(CardConnection& card, std::uint8_t pinRef);
// VERIFY with an ISO 9564 format 2 block of 6 to 8 digits; the block and the
// command's copy are wiped. Throws Error(BadRequest) for a malformed PIN,
// PinError(PinIncorrect | PinBlocked) per checkVerifyStatus().
void verifyPin(CardConnection& card, std::uint8_t pinRef, const SecretBytes& pin);

// DF.ESIGN, MSE SET and the signature with an authentication key (the PIN
// verified before). ECDSA: MSE SET DST (algId 00 signECDSA) + PSO COMPUTE
// DIGITAL SIGNATURE, plain r||s out. RSA: MSE SET AT (algId 05
// rsaClientAuthentication) + INTERNAL AUTHENTICATE over the SHA-256
// DigestInfo, PKCS#1 v1.5 out. Throws Error(OperationUnsupported) when the
// card has no such key, Error(BadRequest) when the hash is not 32 bytes,
// Error(PinRequired) when the PIN was not verified.
Bytes signEcdsa(CardConnection& card, std::uint8_t keyRef, ByteView hash);
Bytes signRsaPkcs1(CardConnection& card, std::uint8_t keyRef, ByteView hash);

// The authentication key pair of a card in DF.ESIGN: an E256 key (G2.1
// only) and an R2048 key, each with its certificate file.
struct AuthenticationKeys {
  std::string_view cardName;  // "eGK", "HBA": for messages
  std::uint8_t certSfiE256;
  std::string_view certLabelE256;  // e.g. "C.HP.AUT.E256"
  std::uint8_t certSfiR2048;
  std::string_view certLabelR2048;
  std::uint8_t keyRefE256;
  std::uint8_t keyRefR2048;
};

// Selects DF.ESIGN and reads the certificates there: E256 when present,
// R2048 always. Throws CardDataInvalid when DF.ESIGN or R2048 is missing.
std::vector<Certificate> readAuthenticationCertificates(CardConnection& card,
                                                        const AuthenticationKeys& keys,
                                                        const ReadSettings& settings);
// signEcdsa / signRsaPkcs1 with the key of the scheme.
Bytes signWithAuthenticationKey(CardConnection& card, const AuthenticationKeys& keys, ByteView hash,
                                SignatureScheme scheme);

}  // namespace hcbridge::drivers::gematik
