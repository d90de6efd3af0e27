#include "vitale_data.hpp"

#include <string>

#include "card_io.hpp"
#include "hcbridge/error.hpp"
#include "hcbridge/tlv.hpp"
#include "nir.hpp"

namespace hcbridge::drivers::vitale {
namespace {

constexpr std::string_view kPointerName = "EF 2001";
constexpr std::size_t kMaxAidLength = 16;

[[noreturn]] void invalid(std::string_view fileName, const std::string& detail) {
  throw Error(Errc::CardDataInvalid, std::string(fileName) + ": " + detail,
              "The Carte Vitale's content is not laid out as expected. If the card works in "
              "other software, report it with the output of 'hcbridge readers --json'.");
}

std::vector<tlv::Node> parseTlv(ByteView content, std::string_view fileName) {
  try {
    tlv::ParseOptions options;
    options.skipPadding = true;
    options.maxDepth = 4;
    return tlv::parse(content, options);
  } catch (const Error& e) {
    invalid(fileName, e.what());
  }
}

std::uint16_t twoBytes(ByteView bytes, std::size_t at) {
  return static_cast<std::uint16_t>((bytes[at] << 8) | bytes[at + 1]);
}

std::string hex4(std::uint16_t value) {
  const std::uint8_t bytes[] = {static_cast<std::uint8_t>(value >> 8),
                                static_cast<std::uint8_t>(value & 0xFF)};
  return toHex(ByteView(bytes, 2));
}

// Card text: printable ASCII, Latin-1 letters (converted to UTF-8); trailing
// and leading spaces and NUL padding removed. Control characters are invalid.
std::string cardText(ByteView value, std::string_view fileName, std::string_view what) {
  std::size_t begin = 0;
  std::size_t end = value.size();
  while (end > begin && (value[end - 1] == ' ' || value[end - 1] == 0x00)) --end;
  while (begin < end && value[begin] == ' ') ++begin;
  std::string text;
  for (std::size_t i = begin; i < end; ++i) {
    const std::uint8_t c = value[i];
    if (c >= 0x20 && c < 0x7F) {
      text += static_cast<char>(c);
    } else if (c >= 0xA0) {  // ISO 8859-1 -> UTF-8
      text += static_cast<char>(0xC0 | (c >> 6));
      text += static_cast<char>(0x80 | (c & 0x3F));
    } else {
      invalid(fileName, std::string(what) + " holds a control character");
    }
  }
  return text;
}

std::string eightDigits(ByteView value, std::string_view fileName, std::string_view what) {
  bool ok = value.size() == 8;
  for (const std::uint8_t c : value) ok = ok && c >= '0' && c <= '9';
  if (!ok) invalid(fileName, std::string(what) + " is not 8 digits (YYYYMMDD)");
  return std::string(value.begin(), value.end());
}

Person parseBeneficiary(const tlv::Node& node, std::string_view fileName, int rank) {
  const std::string where = "beneficiary " + std::to_string(rank);
  Person person;
  person.rank = rank;
  const tlv::Node* surname = node.find(0x80);
  if (surname == nullptr) invalid(fileName, where + " has no surname (tag 80)");
  person.surname = cardText(surname->value, fileName, where + " surname");
  if (const tlv::Node* given = node.find(0x81)) {
    person.givenNames = cardText(given->value, fileName, where + " given name");
  }
  if (const tlv::Node* birth = node.find(0x82)) {
    person.birthDate = eightDigits(birth->value, fileName, where + " birth date (tag 82)");
  }
  if (const tlv::Node* nirNode = node.find(0x93)) {
    NirInfo info;
    info.value = cardText(nirNode->value, fileName, where + " NIR (tag 93)");
    info.keyValid = nir::isValid(info.value) && info.value.size() == 15;
    // Children share the holder's NIR: rank and birth date tell them apart.
    person.patientId = TypedId{"nir-card", info.value};
    person.nir = std::move(info);
  }
  return person;
}

}  // namespace

const PointerFile::Application* PointerFile::application(std::uint16_t ref) const {
  for (const auto& app : applications) {
    if (app.ref == ref) return &app;
  }
  return nullptr;
}

PointerFile parsePointerFile(ByteView content) {
  const auto nodes = parseTlv(content, kPointerName);
  const tlv::Node* outer = nullptr;
  for (const auto& node : nodes) {
    if (node.tag == 0xE0) {
      outer = &node;
      break;
    }
  }
  if (outer == nullptr) invalid(kPointerName, "no template E0");
  const tlv::Node* list = outer->find(0xA0);
  if (list == nullptr) invalid(kPointerName, "no application list (A0)");

  PointerFile pointer;
  for (const tlv::Node* entry : list->findAll(0x82)) {
    const Bytes& v = entry->value;
    if (v.size() < 5) invalid(kPointerName, "application entry (82) shorter than 5 bytes");
    if (v.size() - 4 > kMaxAidLength) invalid(kPointerName, "AID longer than 16 bytes");
    if (pointer.applications.size() == kMaxApplications) {
      invalid(kPointerName, "more than " + std::to_string(kMaxApplications) + " applications");
    }
    PointerFile::Application app;
    app.ref = twoBytes(v, 0);
    app.aid.assign(v.begin() + 4, v.end());
    if (pointer.application(app.ref) != nullptr) {
      invalid(kPointerName, "application reference " + hex4(app.ref) + " listed twice");
    }
    pointer.applications.push_back(std::move(app));
  }
  for (const tlv::Node* entry : outer->findAll(0x80)) {
    const Bytes& v = entry->value;
    if (v.size() < 4) invalid(kPointerName, "file entry (80) shorter than 4 bytes");
    if (pointer.files.size() == kMaxDataFiles) {
      invalid(kPointerName, "more than " + std::to_string(kMaxDataFiles) + " files");
    }
    PointerFile::DataFile file;
    const std::size_t labelLength = v.size() - 4;
    for (std::size_t i = 0; i < labelLength; ++i) {
      file.label += (v[i] >= 0x20 && v[i] < 0x7F) ? static_cast<char>(v[i]) : '?';
    }
    file.applicationRef = twoBytes(v, labelLength);
    file.fid = twoBytes(v, labelLength + 2);
    if (file.fid == 0x3F00 || file.fid == 0xFFFF) {
      invalid(kPointerName, "file entry with reserved file ID " + hex4(file.fid));
    }
    if (pointer.application(file.applicationRef) == nullptr) {
      invalid(kPointerName, "file " + hex4(file.fid) + " names application " +
                                hex4(file.applicationRef) + ", which is not listed");
    }
    pointer.files.push_back(std::move(file));
  }
  return pointer;
}

bool isTlvFile(ByteView content) {
  if (content.empty() || content[0] == 0x00) return false;
  return !(content.size() >= 2 && content[0] == 0x04 && content[1] == 0x00);
}

void parseDataFile(ByteView content, std::string_view fileName, VitaleData& data) {
  if (!isTlvFile(content)) return;
  bool cardTemplateSeen = !data.coverageStart.empty() || !data.coverageEnd.empty();
  for (const auto& node : parseTlv(content, fileName)) {
    if (node.tag == 0x65) {
      if (data.beneficiaries.size() == kMaxBeneficiaries) {
        invalid(fileName, "more than " + std::to_string(kMaxBeneficiaries) + " beneficiaries");
      }
      const int rank = static_cast<int>(data.beneficiaries.size()) + 1;
      Person person = parseBeneficiary(node, fileName, rank);
      if (person.nir && !person.nir->keyValid) data.invalidNirRanks.push_back(rank);
      data.beneficiaries.push_back(std::move(person));
    } else if (node.tag == 0x66 && !cardTemplateSeen) {
      cardTemplateSeen = true;
      if (const tlv::Node* start = node.find(0x80)) {
        data.coverageStart = eightDigits(start->value, fileName, "start of validity (66/80)");
      }
      if (const tlv::Node* end = node.find(0x81)) {
        data.coverageEnd = eightDigits(end->value, fileName, "end of validity (66/81)");
      }
    }
  }
}

std::string parsePan(ByteView content) {
  std::size_t end = content.size();
  while (end > 0 && (content[end - 1] == 0x00 || content[end - 1] == 0xFF)) --end;
  const ByteView trimmed = content.first(end);
  if (trimmed.size() >= 2 && trimmed[0] == 0x5A && trimmed[1] > 0 && trimmed[1] < 0x80 &&
      trimmed.size() >= 2u + trimmed[1]) {
    const std::string digits = bcdToDigits(trimmed.subspan(2, trimmed[1]));
    if (!digits.empty()) return digits;
  }
  return toHex(trimmed);
}

}  // namespace hcbridge::drivers::vitale
