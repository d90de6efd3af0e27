// Parsers for the files of German health cards (eGK, and the MF files the
// HBA shares), free of I/O so that unit tests and fuzzers call them directly.
// Every function throws Error(CardDataInvalid) naming the file on malformed
// input; messages never contain personal data.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "hcbridge/bytes.hpp"
#include "hcbridge/card_model.hpp"

namespace hcbridge::drivers::egk {

// Largest XML document a VSD file may inflate to.
inline constexpr std::size_t kMaxXmlSize = 64 * 1024;

struct CardVersion {
  int major = 0, minor = 0, patch = 0;  // C1: object-system version
  std::string generation;               // "G2.1" from 4.4.0, "G2" from 4.0.0, "G1" below
  std::string productIdentifier;        // C2, printable characters only
};

// EF.Version2 (EF L {C0 .. C1 03 a b c, C2 ..}).
CardVersion parseVersion2(ByteView file);
// EF.GDO (5A 0A + 10 BCD bytes): the 20-digit ICCSN.
std::string parseGdo(ByteView file);
// EF.StatusVD (25 bytes).
EgkStatusVd parseStatusVd(ByteView file);

// The length EF.PD / EF.VD declare once enough of the file is known
// (readTransparent's declaredLength): PD = 2 + LL; VD = endVD + 1.
std::optional<std::size_t> pdDeclaredLength(ByteView prefix);
std::optional<std::size_t> vdDeclaredLength(ByteView prefix);

// gzip (RFC 1952) -> bytes; requires the complete stream (CRC and size
// checked) and at most maxSize bytes of output.
Bytes gunzip(ByteView gzip, std::string_view fileName, std::size_t maxSize = kMaxXmlSize);
// ISO-8859-15 -> UTF-8.
std::string latin9ToUtf8(std::string_view text);
// The XML of a VSD file as UTF-8, converted per its prolog (ISO-8859-15 when
// it says nothing; ISO-8859-1 and UTF-8 are honoured).
std::string xmlToUtf8(ByteView xml, std::string_view fileName);

// EF.PD: u16 length + gzip(XML) -> the XML as UTF-8.
std::string personalDataXml(ByteView file);
// EF.VD: offsets (inclusive ends) + gzip(XML) -> the VD XML as UTF-8.
std::string insuranceDataXml(ByteView file);

// Fill the model from the (UTF-8) PD and VD documents.
void applyPersonalData(std::string_view xml, PatientCard& card);
void applyInsuranceData(std::string_view xml, PatientCard& card);

// The files of a first read, as the card returned them.
struct EgkFiles {
  Bytes version2, gdo, statusVd, pd, vd;
};
// The whole model, or an exception: never a partial one.
PatientCard buildPatientCard(const EgkFiles& files);

}  // namespace hcbridge::drivers::egk
