// The eGK's insurance data files on arbitrary bytes: EF.PD / EF.VD framing,
// gzip and the VSD XML. The first byte selects what the rest is:
//   bit 0 clear: personal data (PD), set: insurance data (VD);
//   bit 1 clear: the whole file (length header or offsets + gzip),
//         set: the XML document itself (any encoding its prolog names).
// Only Error(CardDataInvalid) may come out; whatever is accepted must be UTF-8.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "egk_parsers.hpp"
#include "hcbridge/error.hpp"

namespace {

using namespace hcbridge;

bool validUtf8(const std::string& text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto byte = static_cast<unsigned char>(text[i]);
    std::size_t length = byte < 0x80    ? 1
                         : byte >= 0xF0 ? 4
                         : byte >= 0xE0 ? 3
                         : byte >= 0xC0 ? 2
                                        : 0;
    if (length == 0 || i + length > text.size()) return false;
    for (std::size_t k = 1; k < length; ++k) {
      if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) return false;
    }
    i += length;
  }
  return true;
}

void checkText(const std::string& text) {
  if (!validUtf8(text)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const bool vd = (data[0] & 1) != 0;
  const bool rawXml = (data[0] & 2) != 0;
  const ByteView input(data + 1, size - 1);
  PatientCard card;
  try {
    std::string xml;
    if (rawXml) {
      xml = drivers::egk::xmlToUtf8(input, vd ? "EF.VD" : "EF.PD");
    } else {
      xml = vd ? drivers::egk::insuranceDataXml(input) : drivers::egk::personalDataXml(input);
    }
    checkText(xml);
    if (xml.size() > drivers::egk::kMaxXmlSize * 3) std::abort();  // UTF-8 grows at most 3x
    if (vd) {
      drivers::egk::applyInsuranceData(xml, card);
      checkText(card.insurer.name);
      if (card.coverageStart.size() != 8) std::abort();
    } else {
      drivers::egk::applyPersonalData(xml, card);
      if (card.beneficiaries.size() != 1 || !card.egk) std::abort();
      checkText(card.beneficiaries[0].surname);
      checkText(card.beneficiaries[0].givenNames);
      if (card.egk->insuranceNumber.size() != 10) std::abort();
    }
  } catch (const Error& e) {
    if (e.code() != Errc::CardDataInvalid) std::abort();
  }
  return 0;
}
