#include "egk_parsers.hpp"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <initializer_list>
#include <pugixml.hpp>

#include "card_io.hpp"
#include "hcbridge/error.hpp"
#include "hcbridge/tlv.hpp"

namespace hcbridge::drivers::egk {
namespace {

[[noreturn]] void invalid(std::string_view file, const std::string& detail) {
  throw Error(Errc::CardDataInvalid, std::string(file) + ": " + detail,
              "The health card's data is damaged or not laid out as the eGK specification "
              "says. Try the card in another reader; if it fails there too, the card must be "
              "replaced by the insurer.");
}

std::uint16_t u16(ByteView bytes, std::size_t offset) {
  return static_cast<std::uint16_t>((bytes[offset] << 8) | bytes[offset + 1]);
}

bool allDigits(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// BCD digits, nullopt on a nibble above 9.
std::optional<std::string> bcd(ByteView bytes) {
  std::string digits;
  for (const std::uint8_t byte : bytes) {
    for (const int nibble : {byte >> 4, byte & 0x0F}) {
      if (nibble > 9) return std::nullopt;
      digits += static_cast<char>('0' + nibble);
    }
  }
  return digits;
}

// "0050020000" (3 + 3 + 4 digits) -> "5.2.0"
std::string versionFromDigits(const std::string& digits) {
  return std::to_string(std::stoi(digits.substr(0, 3))) + "." +
         std::to_string(std::stoi(digits.substr(3, 3))) + "." +
         std::to_string(std::stoi(digits.substr(6, 4)));
}

std::vector<tlv::Node> parseTlv(ByteView file, std::string_view name) {
  try {
    tlv::ParseOptions options;
    options.skipPadding = true;
    return tlv::parse(file, options);
  } catch (const Error& e) {
    invalid(name, std::string("not BER-TLV (") + e.what() + ")");
  }
}

void appendUtf8(std::string& out, std::uint32_t codePoint) {
  if (codePoint < 0x80) {
    out += static_cast<char>(codePoint);
  } else if (codePoint < 0x800) {
    out += static_cast<char>(0xC0 | (codePoint >> 6));
    out += static_cast<char>(0x80 | (codePoint & 0x3F));
  } else {
    out += static_cast<char>(0xE0 | (codePoint >> 12));
    out += static_cast<char>(0x80 | ((codePoint >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (codePoint & 0x3F));
  }
}

std::string latin1ToUtf8(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (const char c : text) appendUtf8(out, static_cast<unsigned char>(c));
  return out;
}

// Well-formed UTF-8 (no overlong forms, no surrogates, at most U+10FFFF).
bool validUtf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto byte = static_cast<unsigned char>(text[i]);
    std::size_t length = 0;
    std::uint32_t codePoint = 0;
    if (byte < 0x80) {
      ++i;
      continue;
    }
    if (byte >= 0xC2 && byte <= 0xDF) {
      length = 2;
      codePoint = byte & 0x1F;
    } else if (byte >= 0xE0 && byte <= 0xEF) {
      length = 3;
      codePoint = byte & 0x0F;
    } else if (byte >= 0xF0 && byte <= 0xF4) {
      length = 4;
      codePoint = byte & 0x07;
    } else {
      return false;
    }
    if (i + length > text.size()) return false;
    for (std::size_t k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) return false;
      codePoint = (codePoint << 6) | (next & 0x3F);
    }
    if ((length == 3 && codePoint < 0x800) || (length == 4 && codePoint < 0x10000) ||
        codePoint > 0x10FFFF || (codePoint >= 0xD800 && codePoint <= 0xDFFF)) {
      return false;
    }
    i += length;
  }
  return true;
}

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// The encoding named in the XML declaration, lower case; empty when none.
std::string declaredEncoding(std::string_view xml) {
  if (xml.substr(0, 3) == "\xEF\xBB\xBF") xml.remove_prefix(3);
  if (xml.substr(0, 5) != "<?xml") return {};
  const std::size_t end = xml.find("?>");
  const std::string_view declaration = xml.substr(0, end);
  const std::size_t key = declaration.find("encoding");
  if (key == std::string_view::npos) return {};
  std::size_t pos = key + 8;
  while (pos < declaration.size() && (declaration[pos] == ' ' || declaration[pos] == '=')) ++pos;
  if (pos >= declaration.size() || (declaration[pos] != '"' && declaration[pos] != '\'')) {
    return {};
  }
  const char quote = declaration[pos];
  const std::size_t close = declaration.find(quote, pos + 1);
  if (close == std::string_view::npos) return {};
  return lower(declaration.substr(pos + 1, close - pos - 1));
}

// XML helpers that match local names (VSD 5.1 documents use one namespace
// prefix per document, 5.2 a default namespace).
std::string_view localName(const pugi::xml_node& node) {
  const std::string_view name = node.name();
  const std::size_t colon = name.rfind(':');
  return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

pugi::xml_node child(const pugi::xml_node& parent, std::string_view name) {
  for (const pugi::xml_node node : parent.children()) {
    if (node.type() == pugi::node_element && localName(node) == name) return node;
  }
  return {};
}

pugi::xml_node descend(pugi::xml_node node, std::initializer_list<std::string_view> path) {
  for (const auto name : path) {
    if (!node) break;
    node = child(node, name);
  }
  return node;
}

std::string textOf(const pugi::xml_node& node) {
  if (!node) return {};
  const std::string_view text = node.text().get();
  const auto notSpace = [](char c) { return !std::isspace(static_cast<unsigned char>(c)); };
  const auto begin = std::find_if(text.begin(), text.end(), notSpace);
  const auto end = std::find_if(text.rbegin(), text.rend(), notSpace).base();
  return begin < end ? std::string(begin, end) : std::string();
}

std::string attributeOf(const pugi::xml_node& node, std::string_view name) {
  for (const pugi::xml_attribute attribute : node.attributes()) {
    const std::string_view full = attribute.name();
    const std::size_t colon = full.rfind(':');
    if ((colon == std::string_view::npos ? full : full.substr(colon + 1)) == name) {
      return attribute.value();
    }
  }
  return {};
}

pugi::xml_node documentRoot(pugi::xml_document& document, std::string_view xml,
                            std::string_view file, std::string_view expectedRoot) {
  const pugi::xml_parse_result result = document.load_buffer(
      xml.data(), xml.size(), pugi::parse_default & ~pugi::parse_doctype, pugi::encoding_utf8);
  if (!result) {
    invalid(file, std::string("the XML does not parse (") + result.description() + " at byte " +
                      std::to_string(result.offset) + ")");
  }
  const pugi::xml_node root = document.document_element();
  if (localName(root) != expectedRoot) {
    invalid(file, "the XML is not a " + std::string(expectedRoot) + " document");
  }
  return root;
}

bool isDate(const std::string& text) {
  return text.size() == 8 && allDigits(text);
}

Insurer insurerFrom(const pugi::xml_node& node) {
  Insurer insurer;
  insurer.name = textOf(child(node, "Name"));
  insurer.code = textOf(child(node, "Kostentraegerkennung"));
  insurer.countryCode = textOf(child(node, "Kostentraegerlaendercode"));
  return insurer;
}

}  // namespace

CardVersion parseVersion2(ByteView file) {
  constexpr std::string_view kFile = "EF.Version2";
  const auto nodes = parseTlv(file, kFile);
  if (nodes.empty() || nodes[0].tag != 0xEF || !nodes[0].isConstructed()) {
    invalid(kFile, "no version template (tag EF)");
  }
  const tlv::Node* version = nodes[0].find(0xC1);
  if (version == nullptr || version->value.size() != 3) {
    invalid(kFile, "no object-system version (tag C1, 3 bytes)");
  }
  CardVersion result;
  result.major = version->value[0];
  result.minor = version->value[1];
  result.patch = version->value[2];
  if (result.major < 4) {
    result.generation = "G1";
  } else if (result.major == 4 && result.minor < 4) {
    result.generation = "G2";
  } else {
    result.generation = "G2.1";
  }
  if (const tlv::Node* product = nodes[0].find(0xC2)) {
    for (const std::uint8_t byte : product->value) {
      if (byte >= 0x20 && byte < 0x7F) result.productIdentifier += static_cast<char>(byte);
    }
    while (!result.productIdentifier.empty() && result.productIdentifier.back() == ' ') {
      result.productIdentifier.pop_back();
    }
  }
  return result;
}

std::string parseGdo(ByteView file) {
  constexpr std::string_view kFile = "EF.GDO";
  const auto nodes = parseTlv(file, kFile);
  if (nodes.empty() || nodes[0].tag != 0x5A || nodes[0].value.size() != 10) {
    invalid(kFile, "no ICCSN (tag 5A, 10 bytes)");
  }
  const auto digits = bcd(nodes[0].value);
  if (!digits || digits->substr(0, 2) != "80") invalid(kFile, "the ICCSN is not 20 BCD digits");
  return *digits;
}

EgkStatusVd parseStatusVd(ByteView file) {
  constexpr std::string_view kFile = "EF.StatusVD";
  constexpr std::size_t kSize = 25;
  if (file.size() < kSize) {
    invalid(kFile, std::to_string(file.size()) + " bytes, expected " + std::to_string(kSize));
  }
  EgkStatusVd status;
  if (file[0] != '0' && file[0] != '1') invalid(kFile, "the status byte is neither '0' nor '1'");
  status.updateInProgress = file[0] == '1';
  status.lastUpdateUtc.assign(file.begin() + 1, file.begin() + 15);
  if (!allDigits(status.lastUpdateUtc)) invalid(kFile, "the update time is not 14 digits");
  const auto schema = bcd(file.subspan(15, 5));
  const auto structure = bcd(file.subspan(20, 5));
  if (!schema || !structure) invalid(kFile, "a version is not BCD");
  status.schemaVersion = versionFromDigits(*schema);
  status.structureVersion = versionFromDigits(*structure);
  status.raw.assign(file.begin(), file.begin() + kSize);
  return status;
}

std::optional<std::size_t> pdDeclaredLength(ByteView prefix) {
  if (prefix.size() < 2) return std::nullopt;
  const std::uint16_t length = u16(prefix, 0);
  if (length == 0) invalid("EF.PD", "the length header says 0 bytes");
  return std::size_t{2} + length;
}

std::optional<std::size_t> vdDeclaredLength(ByteView prefix) {
  if (prefix.size() < 8) return std::nullopt;
  const std::uint16_t start = u16(prefix, 0);
  const std::uint16_t end = u16(prefix, 2);
  if (start < 8 || end < start) invalid("EF.VD", "the VD offsets are out of range");
  return std::size_t{end} + 1;  // the end offset is inclusive
}

Bytes gunzip(ByteView gzip, std::string_view fileName, std::size_t maxSize) {
  if (gzip.size() < 18 || gzip[0] != 0x1F || gzip[1] != 0x8B || gzip[2] != 0x08) {
    invalid(fileName, "the data is not gzip");
  }
  z_stream stream{};
  if (inflateInit2(&stream, 16 + MAX_WBITS) != Z_OK) {
    throw Error(Errc::Internal, "zlib could not be initialised");
  }
  struct End {
    z_stream& stream;
    ~End() { inflateEnd(&stream); }
  } end{stream};
  // zlib never writes through next_in; its API is not const-correct.
  stream.next_in = const_cast<Bytef*>(gzip.data());
  stream.avail_in = static_cast<uInt>(gzip.size());
  Bytes output;
  std::array<Bytef, 4096> buffer;
  for (;;) {
    stream.next_out = buffer.data();
    stream.avail_out = static_cast<uInt>(buffer.size());
    const int status = inflate(&stream, Z_NO_FLUSH);
    const std::size_t produced = buffer.size() - stream.avail_out;
    if (output.size() + produced > maxSize) {
      invalid(fileName, "the data inflates to more than " + std::to_string(maxSize) + " bytes");
    }
    output.insert(output.end(), buffer.begin(),
                  buffer.begin() + static_cast<std::ptrdiff_t>(produced));
    if (status == Z_STREAM_END) return output;
    if (status == Z_OK) continue;
    if (status == Z_BUF_ERROR && stream.avail_in == 0)
      invalid(fileName, "the gzip data is truncated");
    invalid(fileName, "the gzip data is corrupt");
  }
}

std::string latin9ToUtf8(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    std::uint32_t codePoint = byte;
    switch (byte) {  // where ISO-8859-15 differs from ISO-8859-1
      case 0xA4:
        codePoint = 0x20AC;
        break;  // €
      case 0xA6:
        codePoint = 0x0160;
        break;  // Š
      case 0xA8:
        codePoint = 0x0161;
        break;  // š
      case 0xB4:
        codePoint = 0x017D;
        break;  // Ž
      case 0xB8:
        codePoint = 0x017E;
        break;  // ž
      case 0xBC:
        codePoint = 0x0152;
        break;  // Œ
      case 0xBD:
        codePoint = 0x0153;
        break;  // œ
      case 0xBE:
        codePoint = 0x0178;
        break;  // Ÿ
      default:
        break;
    }
    appendUtf8(out, codePoint);
  }
  return out;
}

std::string xmlToUtf8(ByteView xml, std::string_view fileName) {
  const std::string_view text(reinterpret_cast<const char*>(xml.data()), xml.size());
  const std::string encoding = declaredEncoding(text);
  if (encoding == "utf-8" || encoding == "utf8") {
    if (!validUtf8(text)) invalid(fileName, "the XML says UTF-8 but is not");
    return std::string(text);
  }
  if (encoding == "iso-8859-1" || encoding == "latin1") return latin1ToUtf8(text);
  if (encoding.empty() || encoding == "iso-8859-15" || encoding == "latin-9") {
    return latin9ToUtf8(text);
  }
  invalid(fileName, "the XML has an unsupported encoding");
}

std::string personalDataXml(ByteView file) {
  constexpr std::string_view kFile = "EF.PD";
  const auto declared = pdDeclaredLength(file);
  if (!declared || *declared > file.size()) invalid(kFile, "shorter than its length header says");
  const Bytes xml = gunzip(file.subspan(2, *declared - 2), kFile);
  return xmlToUtf8(xml, kFile);
}

std::string insuranceDataXml(ByteView file) {
  constexpr std::string_view kFile = "EF.VD";
  const auto declared = vdDeclaredLength(file);
  if (!declared || *declared > file.size()) invalid(kFile, "the VD offsets are out of range");
  const std::uint16_t start = u16(file, 0);
  const Bytes xml = gunzip(file.subspan(start, *declared - start), kFile);
  return xmlToUtf8(xml, kFile);
}

void applyPersonalData(std::string_view xml, PatientCard& card) {
  constexpr std::string_view kFile = "EF.PD";
  pugi::xml_document document;
  const pugi::xml_node root =
      documentRoot(document, xml, kFile, "UC_PersoenlicheVersichertendatenXML");
  const pugi::xml_node insured = child(root, "Versicherter");
  const pugi::xml_node personNode = child(insured, "Person");
  if (!insured || !personNode) invalid(kFile, "no Versicherter/Person");

  EgkDetails& details = card.egk ? *card.egk : card.egk.emplace();
  details.insuranceNumber = textOf(child(insured, "Versicherten_ID"));
  const std::string& id = details.insuranceNumber;
  if (id.size() != 10 || id[0] < 'A' || id[0] > 'Z' || !allDigits(std::string_view(id).substr(1))) {
    invalid(kFile, "Versicherten_ID is not a letter and 9 digits");
  }
  if (details.cdmVersion.empty()) details.cdmVersion = attributeOf(root, "CDM_VERSION");

  Person person;
  person.patientId = TypedId{"kvnr", id};  // the Krankenversichertennummer
  person.surname = textOf(child(personNode, "Nachname"));
  person.givenNames = textOf(child(personNode, "Vorname"));
  if (person.surname.empty() || person.givenNames.empty()) invalid(kFile, "no Nachname or Vorname");
  person.birthDate = textOf(child(personNode, "Geburtsdatum"));
  if (!isDate(person.birthDate)) invalid(kFile, "Geburtsdatum is not YYYYMMDD");
  const std::string sex = textOf(child(personNode, "Geschlecht"));
  if (sex == "M" || sex == "X" || sex == "D") person.sex = sex;
  if (sex == "W") person.sex = "F";
  person.title = textOf(child(personNode, "Titel"));
  person.namePrefix = textOf(child(personNode, "Vorsatzwort"));
  person.nameSuffix = textOf(child(personNode, "Namenszusatz"));

  const pugi::xml_node street = child(personNode, "StrassenAdresse");
  const pugi::xml_node postBox = child(personNode, "PostfachAdresse");
  if (const pugi::xml_node address = street ? street : postBox) {
    PostalAddress postal;
    postal.street = textOf(child(address, "Strasse"));
    postal.houseNumber = textOf(child(address, "Hausnummer"));
    postal.addition = textOf(child(address, "Anschriftenzusatz"));
    postal.postBox = textOf(child(address, "Postfach"));
    postal.postalCode = textOf(child(address, "Postleitzahl"));
    postal.city = textOf(child(address, "Ort"));
    postal.country = textOf(descend(address, {"Land", "Wohnsitzlaendercode"}));
    person.address = std::move(postal);
  }
  card.beneficiaries.clear();
  card.beneficiaries.push_back(std::move(person));
}

void applyInsuranceData(std::string_view xml, PatientCard& card) {
  constexpr std::string_view kFile = "EF.VD";
  pugi::xml_document document;
  const pugi::xml_node root =
      documentRoot(document, xml, kFile, "UC_AllgemeineVersicherungsdatenXML");
  const pugi::xml_node insured = child(root, "Versicherter");
  const pugi::xml_node coverage = child(insured, "Versicherungsschutz");
  if (!coverage) invalid(kFile, "no Versicherter/Versicherungsschutz");
  card.coverageStart = textOf(child(coverage, "Beginn"));
  if (!isDate(card.coverageStart)) invalid(kFile, "Beginn is not YYYYMMDD");
  card.coverageEnd = textOf(child(coverage, "Ende"));
  if (!card.coverageEnd.empty() && !isDate(card.coverageEnd))
    invalid(kFile, "Ende is not YYYYMMDD");

  const pugi::xml_node payer = child(coverage, "Kostentraeger");
  if (!payer) invalid(kFile, "no Kostentraeger");
  card.insurer = insurerFrom(payer);
  if (card.insurer.code.empty() || !allDigits(card.insurer.code)) {
    invalid(kFile, "Kostentraegerkennung is not a number");
  }
  EgkDetails& details = card.egk ? *card.egk : card.egk.emplace();
  // The billing insurer sits inside Kostentraeger (VSD 5.2) or next to it.
  pugi::xml_node billing = child(payer, "AbrechnenderKostentraeger");
  if (!billing) billing = child(coverage, "AbrechnenderKostentraeger");
  if (billing) details.billingInsurer = insurerFrom(billing);
  const pugi::xml_node gkv = descend(insured, {"Zusatzinfos", "ZusatzinfosGKV"});
  details.insuredType = textOf(child(gkv, "Versichertenart"));
  details.wop = textOf(descend(gkv, {"Zusatzinfos_Abrechnung_GKV", "WOP"}));
  if (details.cdmVersion.empty()) details.cdmVersion = attributeOf(root, "CDM_VERSION");
}

PatientCard buildPatientCard(const EgkFiles& files) {
  const CardVersion version = parseVersion2(files.version2);
  PatientCard card;
  card.cardType = "egk";
  card.generation = version.generation;
  card.cardSerial = parseGdo(files.gdo);
  EgkDetails& details = card.egk.emplace();
  details.statusVd = parseStatusVd(files.statusVd);
  applyPersonalData(personalDataXml(files.pd), card);
  applyInsuranceData(insuranceDataXml(files.vd), card);
  if (details.statusVd.updateInProgress) {
    card.warnings.push_back(
        "The card's insurance data was being updated when the update stopped (EF.StatusVD): "
        "the data may be inconsistent. Run the online check (VSDM) to complete the update.");
  }
  return card;
}

}  // namespace hcbridge::drivers::egk
