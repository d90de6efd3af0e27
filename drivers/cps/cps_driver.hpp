// The CPS3/CPS4 driver (factory: drivers::makeCpsDriver()).
//
// Recognition: the masked ATR rows of docs/cards-french.md, CPS "Recognition", answer
// AtrMatch::Yes; the second check (EF.SN.ICC names the ANS as issuer, 80 25 00 00 01) is the first
// step of read(), which throws Error(CardUnsupported) otherwise, so a first read costs no separate
// probe. probe() does the same check.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include "hcbridge/bytes.hpp"
#include "hcbridge/card_driver.hpp"

namespace hcbridge::drivers {

std::unique_ptr<CardDriver> makeCpsDriver();

}  // namespace hcbridge::drivers

namespace hcbridge::drivers::cps {

enum class Variant {
  Cps3Contact,      // CLA 00, SELECT by path with 3F00, 231-byte reads, T=0
  Cps3Contactless,  // other PKCS#15 AID, no PIN, technical key only
  Cps4,             // CLA 01 (logical channel 1), 256-byte reads
};

// The variant the ATR names, or nullopt when it is no CPS ATR.
std::optional<Variant> variantFromAtr(ByteView atr);

// PKCS#15 application (DF name) of the contact and contactless interfaces.
inline constexpr std::uint8_t kPkcs15ContactAid[] = {0xE8, 0x28, 0xBD, 0x08, 0x0F, 0x80, 0x25,
                                                     0x00, 0x00, 0x01, 0xFF, 0x00, 0x10};
inline constexpr std::uint8_t kPkcs15ContactlessAid[] = {0xE8, 0x28, 0xBD, 0x08, 0x0F, 0x80, 0x25,
                                                         0x00, 0x00, 0x01, 0xFF, 0x00, 0x20};
// The IAS ("ChipDoc") application the CPS4 startup selects on channel 1.
inline constexpr std::uint8_t kCps4IasAid[] = {0x80, 0x25, 0x00, 0x00, 0x01, 0xFF, 0x01, 0x00};

inline constexpr std::string_view kAuthenticationLabel = "Certificat d'Authentification CPS";
inline constexpr std::string_view kSignatureLabel = "Certificat de Signature CPS";
inline constexpr std::string_view kTechnicalLabel = "Certificat Technique CPS";

}  // namespace hcbridge::drivers::cps
