#include "cps_pkcs15.hpp"

#include <cstdio>

#include "hcbridge/error.hpp"
#include "hcbridge/tlv.hpp"

namespace hcbridge::drivers::cps {
namespace {

// ASN.1 tags used below.
constexpr tlv::Tag kBoolean = 0x01;
constexpr tlv::Tag kInteger = 0x02;
constexpr tlv::Tag kOctetString = 0x04;
constexpr tlv::Tag kUtf8String = 0x0C;
constexpr tlv::Tag kSequence = 0x30;
constexpr tlv::Tag kContext0 = 0x80;         // [0] primitive: Path.length
constexpr tlv::Tag kContext0Cons = 0xA0;     // [0] constructed: ObjectValue.direct
constexpr tlv::Tag kContext1Cons = 0xA1;     // [1] constructed: typeAttributes
constexpr tlv::Tag kOdfCertificates = 0xA4;  // PKCS15Objects.certificates [4]

constexpr std::size_t kMaxLabel = 255;
constexpr std::size_t kMaxOffset = 0x7FFF;  // 15-bit READ BINARY offsets
constexpr std::size_t kMaxLength = 65535;

[[noreturn]] void invalid(std::string_view fileName, const std::string& detail) {
  throw Error(Errc::CardDataInvalid, std::string(fileName) + ": " + detail,
              "The CPS card's PKCS#15 structure is not as expected. If the card works in other "
              "software, report it with the output of 'hcbridge readers --json'.");
}

std::vector<tlv::Node> parseTlv(ByteView content, std::string_view fileName) {
  try {
    tlv::ParseOptions options;
    options.skipPadding = true;  // PKCS#15 files are often 00/FF padded
    options.maxDepth = 16;       // a direct certificate nests about 10 levels
    return tlv::parse(content, options);
  } catch (const Error& e) {
    invalid(fileName, e.what());
  }
}

// A non-negative DER INTEGER of at most `max`.
std::size_t unsignedInteger(const tlv::Node& node, std::size_t max, std::string_view fileName,
                            std::string_view what) {
  const Bytes& v = node.value;
  if (node.isConstructed() || v.empty() || v.size() > 4 || (v[0] & 0x80) != 0) {
    invalid(fileName, std::string(what) + " is not a small non-negative integer");
  }
  std::size_t value = 0;
  for (const std::uint8_t b : v) value = (value << 8) | b;
  if (value > max) invalid(fileName, std::string(what) + " is out of range");
  return value;
}

const tlv::Node& requireChild(const tlv::Node& node, tlv::Tag tag, std::string_view fileName,
                              std::string_view what) {
  const tlv::Node* child = node.find(tag);
  if (child == nullptr) invalid(fileName, std::string(what) + " is missing");
  return *child;
}

Path parsePath(const tlv::Node& node, std::string_view fileName) {
  if (node.tag != kSequence) invalid(fileName, "a path is not a SEQUENCE");
  const tlv::Node& octets = requireChild(node, kOctetString, fileName, "the path's file IDs");
  Path path;
  path.path = octets.value;
  if (path.path.empty() || path.path.size() % 2 != 0 || path.path.size() > kMaxPathLength) {
    invalid(fileName,
            "a path of " + std::to_string(path.path.size()) + " bytes (expected 2 to 16, even)");
  }
  const tlv::Node* index = node.find(kInteger);
  const tlv::Node* length = node.find(kContext0);
  if ((index == nullptr) != (length == nullptr)) {
    invalid(fileName, "a path with an index but no length, or the reverse");
  }
  if (index != nullptr) {
    path.index = unsignedInteger(*index, kMaxOffset, fileName, "the path's index");
    path.length = unsignedInteger(*length, kMaxLength, fileName, "the path's length");
    if (*path.length == 0) invalid(fileName, "a path with length 0");
  }
  return path;
}

std::string labelText(const Bytes& value) {
  std::string text;
  for (std::size_t i = 0; i < value.size() && i < kMaxLabel; ++i) {
    const std::uint8_t c = value[i];
    text += (c < 0x20 || c == 0x7F) ? '?' : static_cast<char>(c);
  }
  return text;
}

}  // namespace

std::uint16_t Path::lastFid() const {
  if (path.size() < 2) return 0;
  return static_cast<std::uint16_t>((path[path.size() - 2] << 8) | path.back());
}

std::string Path::text() const {
  std::string out;
  for (std::size_t i = 0; i + 1 < path.size(); i += 2) {
    char fid[8];
    std::snprintf(fid, sizeof fid, "%s%02X%02X", i == 0 ? "" : "/", path[i], path[i + 1]);
    out += fid;
  }
  return out;
}

std::vector<Path> parseOdfCertificateDirectories(ByteView odf, std::string_view fileName) {
  std::vector<Path> paths;
  for (const auto& node : parseTlv(odf, fileName)) {
    if (node.tag != kOdfCertificates) continue;
    if (node.children.empty()) invalid(fileName, "an empty certificates entry (A4)");
    const tlv::Node& choice = node.children.front();
    if (choice.tag != kSequence) continue;  // objects [0] / protected forms: not supported
    if (paths.size() == kMaxDirectories) {
      invalid(fileName,
              "more than " + std::to_string(kMaxDirectories) + " certificate directories");
    }
    paths.push_back(parsePath(choice, fileName));
  }
  return paths;
}

std::vector<CertificateEntry> parseCdf(ByteView cdf, std::string_view fileName) {
  std::vector<CertificateEntry> entries;
  for (const auto& node : parseTlv(cdf, fileName)) {
    if (node.tag != kSequence) continue;  // attribute, SPKI, ... certificates: skipped
    if (entries.size() == kMaxCertificates) {
      invalid(fileName, "more than " + std::to_string(kMaxCertificates) + " certificates");
    }
    const std::string where = "certificate entry " + std::to_string(entries.size() + 1);
    // SEQUENCE { commonObjectAttributes, classAttributes, [0] subClass OPT, [1] type }
    if (node.children.size() < 3 || node.children[0].tag != kSequence ||
        node.children[1].tag != kSequence) {
      invalid(fileName, where + " lacks its common or certificate attributes");
    }
    CertificateEntry entry;
    if (const tlv::Node* label = node.children[0].find(kUtf8String)) {
      entry.label = labelText(label->value);
    }
    const tlv::Node& classAttributes = node.children[1];
    entry.id = requireChild(classAttributes, kOctetString, fileName, where + " iD").value;
    if (const tlv::Node* authority = classAttributes.find(kBoolean)) {
      if (authority->value.size() != 1) invalid(fileName, where + " has a bad authority flag");
      entry.authority = authority->value[0] != 0;
    }
    const tlv::Node& type = requireChild(node, kContext1Cons, fileName, where + " typeAttributes");
    if (type.children.empty() || type.children.front().tag != kSequence ||
        type.children.front().children.empty()) {
      invalid(fileName, where + " has no certificate attributes");
    }
    const tlv::Node& value = type.children.front().children.front();
    if (value.tag == kSequence) {
      entry.path = parsePath(value, fileName);
    } else if (value.tag == kContext0Cons) {
      // direct [0] IMPLICIT Certificate: the SEQUENCE's content under tag A0.
      entry.direct = tlv::encode(tlv::constructed(kSequence, value.children));
      if (value.children.empty()) invalid(fileName, where + " has an empty direct value");
    } else {
      invalid(fileName, where + " has a value that is neither a path nor direct");
    }
    entries.push_back(std::move(entry));
  }
  return entries;
}

Bytes sliceByPath(ByteView content, const Path& path, std::string_view fileName) {
  if (!path.index) return Bytes(content.begin(), content.end());
  if (*path.index > content.size() || *path.length > content.size() - *path.index) {
    invalid(fileName, "the range " + std::to_string(*path.index) + "+" +
                          std::to_string(*path.length) + " is beyond the file's " +
                          std::to_string(content.size()) + " bytes");
  }
  const auto begin = content.begin() + static_cast<std::ptrdiff_t>(*path.index);
  return Bytes(begin, begin + static_cast<std::ptrdiff_t>(*path.length));
}

}  // namespace hcbridge::drivers::cps
