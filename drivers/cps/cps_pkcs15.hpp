// PKCS#15 (ISO 7816-15) directory parsing for the CPS: the object directory
// file (ODF) and the certificate directory files (CDF). Free functions, so
// tests and fuzzers call them directly. Input is untrusted card data: every
// malformation throws Error(CardDataInvalid) naming the file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hcbridge/bytes.hpp"

namespace hcbridge::drivers::cps {

inline constexpr std::size_t kMaxDirectories = 4;    // CDFs listed in one ODF
inline constexpr std::size_t kMaxCertificates = 16;  // entries in one CDF
inline constexpr std::size_t kMaxPathLength = 16;    // bytes of a Path

// PKCS#15 Path: file IDs from the MF when it starts with 3F00, else from the
// PKCS#15 application DF; index/length select a part of the file.
struct Path {
  Bytes path;                        // even length, 2..16 bytes
  std::optional<std::size_t> index;  // both or neither
  std::optional<std::size_t> length;

  bool absolute() const { return path.size() >= 2 && path[0] == 0x3F && path[1] == 0x00; }
  std::uint16_t lastFid() const;
  // "3F00/5015/4404"
  std::string text() const;
};

// ODF: the paths of the certificate directories (PKCS15Objects choice
// certificates [4], tag A4, given as a Path). Other object types and other
// forms are skipped. Throws when the content is no valid TLV, a path is
// malformed, or more than kMaxDirectories directories are listed.
std::vector<Path> parseOdfCertificateDirectories(ByteView odf, std::string_view fileName = "ODF");

struct CertificateEntry {
  std::string label;  // CommonObjectAttributes.label; control characters -> '?'
  Bytes id;           // CommonCertificateAttributes.iD
  bool authority = false;
  std::optional<Path> path;  // indirect value
  Bytes direct;              // direct value (a DER certificate), when no path
};

// CDF: the X.509 certificate objects (other certificate types are skipped).
// Throws on invalid TLV, an entry without iD or value, a malformed path or
// direct value, or more than kMaxCertificates entries.
std::vector<CertificateEntry> parseCdf(ByteView cdf, std::string_view fileName = "CDF");

// The part of a file a path names: all of it, or [index, index + length).
// Throws when that range is beyond the content.
Bytes sliceByPath(ByteView content, const Path& path, std::string_view fileName);

}  // namespace hcbridge::drivers::cps
