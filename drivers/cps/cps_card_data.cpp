#include "cps_card_data.hpp"

#include <openssl/asn1.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include <vector>

#include "card_io.hpp"
#include "hcbridge/base/x509_der.hpp"
#include "hcbridge/error.hpp"
#include "hcbridge/tlv.hpp"

namespace hcbridge::drivers::cps {
namespace {

constexpr std::size_t kMaxValue = 256;
constexpr std::size_t kMaxCertificateSize = 16384;

[[noreturn]] void invalid(std::string_view what, const std::string& detail) {
  throw Error(Errc::CardDataInvalid, std::string(what) + ": " + detail,
              "The CPS card's content is not as expected. If the card works in other software, "
              "report it with the output of 'hcbridge readers --json'.");
}

// The UTF-8 value of a name entry; control characters -> '?', capped.
std::string entryText(const X509_NAME_ENTRY* entry) {
  unsigned char* utf8 = nullptr;
  const int length = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(entry));
  if (length < 0) {
    ERR_clear_error();
    return {};
  }
  std::string text;
  for (int i = 0; i < length && text.size() < kMaxValue; ++i) {
    const auto c = static_cast<unsigned char>(utf8[i]);
    text += (c < 0x20 || c == 0x7F) ? '?' : static_cast<char>(c);
  }
  OPENSSL_free(utf8);
  // Drop a UTF-8 sequence cut by the cap.
  std::size_t start = text.size();
  while (start > 0 && (static_cast<unsigned char>(text[start - 1]) & 0xC0) == 0x80) --start;
  if (start > 0) {
    const auto lead = static_cast<unsigned char>(text[start - 1]);
    const std::size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
    if (text.size() - (start - 1) < need) text.resize(start - 1);
  }
  return text;
}

bool allDigits(std::string_view text) {
  if (text.empty()) return false;
  for (const char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

bool isNationalId(std::string_view text) {
  if (text.size() < 2 || text.size() > 32) return false;
  for (const char c : text) {
    const bool ok = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
    if (!ok) return false;
  }
  return true;
}

// A word without lower-case ASCII letters (French surnames on cards are
// upper case; accented capitals are multi-byte and count as upper case).
bool upperCaseWord(std::string_view word) {
  for (const char c : word) {
    if (c >= 'a' && c <= 'z') return false;
  }
  return true;
}

// "Hélène DURAND-TEST" -> {"Hélène", "DURAND-TEST"}; the surname is the
// longest tail of upper-case words (at least the last word).
void splitCommonName(const std::string& cn, std::string& given, std::string& surname) {
  std::vector<std::string> words;
  std::size_t pos = 0;
  while (pos < cn.size()) {
    const std::size_t end = cn.find(' ', pos);
    const std::size_t stop = end == std::string::npos ? cn.size() : end;
    if (stop > pos) words.push_back(cn.substr(pos, stop - pos));
    pos = stop + 1;
  }
  if (words.empty()) return;
  std::size_t first = words.size() - 1;
  while (first > 1 && upperCaseWord(words[first - 1])) --first;
  if (first == 1 && upperCaseWord(words[0])) first = words.size() - 1;
  for (std::size_t i = 0; i < words.size(); ++i) {
    std::string& target = i < first ? given : surname;
    if (!target.empty()) target += ' ';
    target += words[i];
  }
}

}  // namespace

std::string professionName(std::string_view code) {
  // NOS TRE_G15 "Profession" codes of the common health professions.
  struct Entry {
    std::string_view code;
    std::string_view name;
  };
  static constexpr Entry kNames[] = {
      {"10", "Médecin"},    {"21", "Pharmacien"}, {"40", "Chirurgien-dentiste"},
      {"50", "Sage-femme"}, {"60", "Infirmier"},  {"70", "Masseur-kinésithérapeute"},
  };
  for (const auto& entry : kNames) {
    if (entry.code == code) return std::string(entry.name);
  }
  return {};
}

PractitionerIdentity parseCertificateIdentity(ByteView der, std::string_view what) {
  if (der.empty() || der.size() > kMaxCertificateSize) {
    invalid(what, "not a DER X.509 certificate (size " + std::to_string(der.size()) + ")");
  }
  const base::X509DerPrefix parsed = base::parseX509DerPrefix(der);
  if (!parsed.certificate) invalid(what, "not a DER X.509 certificate");
  if (parsed.length != der.size()) invalid(what, "bytes after the certificate");
  const base::X509Handle& cert = parsed.certificate;
  const X509_NAME* subject = X509_get_subject_name(cert.get());
  if (subject == nullptr) invalid(what, "no subject");

  PractitionerIdentity identity;
  std::string commonName;
  std::string title;
  std::string serialNumber;
  const int count = X509_NAME_entry_count(subject);
  for (int i = 0; i < count; ++i) {
    const X509_NAME_ENTRY* entry = X509_NAME_get_entry(subject, i);
    const std::string value = entryText(entry);
    switch (OBJ_obj2nid(X509_NAME_ENTRY_get_object(entry))) {
      case NID_surname:
        if (identity.surname.empty()) identity.surname = value;
        break;
      case NID_givenName:
        if (identity.givenNames.empty()) identity.givenNames = value;
        break;
      case NID_commonName:
        if (commonName.empty()) commonName = value;
        break;
      case NID_title:
        if (title.empty()) title = value;
        break;
      case NID_serialNumber:
        if (serialNumber.empty()) serialNumber = value;
        break;
      default:
        break;
    }
  }

  if (isNationalId(serialNumber)) {
    identity.nationalId = serialNumber;
  } else if (!commonName.empty() && commonName[0] >= '0' && commonName[0] <= '9') {
    const std::string head = commonName.substr(0, commonName.find('/'));
    if (isNationalId(head)) identity.nationalId = head;
  }
  const bool cnIsName = !commonName.empty() && identity.nationalId != commonName &&
                        commonName.rfind(identity.nationalId + "/", 0) != 0;
  if (cnIsName && identity.surname.empty() && identity.givenNames.empty()) {
    splitCommonName(commonName, identity.givenNames, identity.surname);
  }
  if (identity.nationalId.size() == 12 && identity.nationalId.front() == '8') {
    // idNat_PS of an RPPS holder is "8" followed by the 11-digit RPPS number.
    identity.professionalId = TypedId{"rpps", identity.nationalId.substr(1)};
  } else if (!identity.nationalId.empty()) {
    identity.professionalId = TypedId{"idnat", identity.nationalId};
  }
  if (allDigits(title)) {
    identity.professionCode = title;
    identity.profession = professionName(title);
  } else {
    identity.profession = title;
  }
  return identity;
}

std::string parseSnIcc(ByteView content) {
  static constexpr std::uint8_t kIssuer[] = {0x80, 0x25, 0x00, 0x00, 0x01};
  if (content.size() < 12 || content[0] != 0x5A || content[1] != 0x0A) {
    invalid("EF.SN.ICC (D003)", "not 5A 0A followed by 10 bytes");
  }
  for (std::size_t i = 0; i < sizeof kIssuer; ++i) {
    if (content[2 + i] != kIssuer[i]) {
      throw Error(Errc::CardUnsupported,
                  "The card has a CPS ATR but its EF.SN.ICC names another issuer than the ANS",
                  "hcbridge reads CPS3/CPS4 cards issued by the ANS.");
    }
  }
  const std::string serial = bcdToDigits(content.subspan(7, 4));
  if (serial.size() != 8) invalid("EF.SN.ICC (D003)", "the serial is not 8 BCD digits");
  return serial;
}

PinCounters parsePinCounters(ByteView response) {
  constexpr std::string_view kWhat = "PIN counters (GET DATA BF81)";
  std::vector<tlv::Node> nodes;
  try {
    nodes = tlv::parse(response);
  } catch (const Error& e) {
    invalid(kWhat, e.what());
  }
  const tlv::Node* sdo = nullptr;
  if (!nodes.empty() && nodes[0].tag == 0x70 && !nodes[0].children.empty()) {
    sdo = &nodes[0].children[0];
  }
  if (sdo == nullptr || (sdo->tag & 0xFFFF00) != 0xBF8100) invalid(kWhat, "no CHV object BF81xx");
  const tlv::Node* header = sdo->find(0xA0);
  if (header == nullptr) invalid(kWhat, "no header A0");
  auto counter = [&](tlv::Tag tag) -> std::optional<int> {
    const tlv::Node* node = header->find(tag);
    if (node == nullptr) return std::nullopt;
    if (node->value.empty() || node->value.size() > 2) invalid(kWhat, "a counter of bad size");
    int value = 0;
    for (const std::uint8_t b : node->value) value = (value << 8) | b;
    return value;
  };
  const auto max = counter(0x9A);
  const auto left = counter(0x9B);
  if (!max || !left) invalid(kWhat, "tries maximum (9A) or tries left (9B) missing");
  if (*max > 15 || *left > *max) invalid(kWhat, "inconsistent counters");
  PinCounters counters{*max, *left, counter(0x9D)};
  return counters;
}

}  // namespace hcbridge::drivers::cps
