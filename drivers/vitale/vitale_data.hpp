// Parsers for the content of a Carte Vitale 2 (free functions, so tests and
// fuzzers call them directly). Every input is untrusted card data: any
// malformation throws Error(CardDataInvalid) naming the file.
//
// Layouts (docs/cards-french.md, Carte Vitale 2 "What is read"): the pointer file EF 2001 of the
// VITALE application, and BER-TLV data files holding beneficiary templates (65) and the card
// template (66).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "hcbridge/bytes.hpp"
#include "hcbridge/card_model.hpp"

namespace hcbridge::drivers::vitale {

// AIDs of the two applications (public; docs/cards-french.md, Carte Vitale 2 "What is read").
inline constexpr std::uint8_t kVitaleAid[] = {0xD2, 0x50, 0x00, 0x00, 0x02, 0x56,
                                              0x49, 0x54, 0x41, 0x4C, 0x45};
inline constexpr std::uint8_t kMfVitaleAid[] = {0xD2, 0x50, 0x00, 0x00, 0x02, 0x4D, 0x46,
                                                0x5F, 0x56, 0x49, 0x54, 0x41, 0x4C, 0x45};
inline constexpr std::uint16_t kPointerFid = 0x2001;
// EF 2F02 in MF_VITALE: cardpeek reads it as the "PAN" (docs/cards-french.md, Carte Vitale 2 "What
// is read"); its content format is not public.
inline constexpr std::uint16_t kPanFid = 0x2F02;

// Limits that keep a hostile card from making us read forever.
inline constexpr std::size_t kMaxApplications = 16;
inline constexpr std::size_t kMaxDataFiles = 32;
inline constexpr std::size_t kMaxBeneficiaries = 16;

// EF 2001: E0 { A0 { 82 <RR RR ?? ?? AID>... } 80 <label RR RR FF FF>... }.
struct PointerFile {
  struct Application {
    std::uint16_t ref = 0;  // RR RR
    Bytes aid;
  };
  struct DataFile {
    std::string label;  // 8 ASCII characters on the cards seen; non-printable -> '?'
    std::uint16_t applicationRef = 0;
    std::uint16_t fid = 0;
  };
  std::vector<Application> applications;
  std::vector<DataFile> files;  // in card order; each names a listed application

  const Application* application(std::uint16_t ref) const;
};

// Throws Error(CardDataInvalid) naming "EF 2001" on bad TLV, a missing E0 or
// A0, entries that are too short, an AID longer than 16 bytes, a reserved FID
// (3F00, FFFF), a file naming an application not in the list, or more than
// kMaxApplications / kMaxDataFiles entries.
PointerFile parsePointerFile(ByteView content);

// What the data files of a card add up to.
struct VitaleData {
  std::vector<Person> beneficiaries;  // card order, holder first, rank 1..n
  std::string coverageStart;          // 66/80, YYYYMMDD
  std::string coverageEnd;            // 66/81 (tag invented, see the driver docs)
  std::vector<int> invalidNirRanks;   // ranks whose NIR key does not match
};

// False for files cardpeek shows raw instead of as BER-TLV: empty, first byte
// 00, or starting 04 00 (docs/cards-french.md, Carte Vitale 2 "What is read").
bool isTlvFile(ByteView content);

// Adds the beneficiary templates (65) and the first card template (66) of one
// data file to `data`; other tags are ignored. Zero/FF padding between
// objects is skipped. `fileName` names the file in errors, e.g.
// "EF 2002 (EF_BENEF)". Throws Error(CardDataInvalid) on bad TLV, a 65
// without surname (80), a birth date (82) that is not 8 ASCII digits (the
// value is never checked against the calendar: "lunar" dates such as
// 20150035 are kept), text with control characters, a validity date that is
// not 8 digits, or more than kMaxBeneficiaries beneficiaries.
void parseDataFile(ByteView content, std::string_view fileName, VitaleData& data);

// The card serial from EF 2F02: the BCD digits after tag 5A when the file is
// 5A L <BCD>, else the upper-case hex of the bytes (trailing padding
// removed). Empty content gives "".
std::string parsePan(ByteView content);

}  // namespace hcbridge::drivers::vitale
