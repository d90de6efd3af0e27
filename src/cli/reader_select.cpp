#include "reader_select.hpp"

#include <algorithm>
#include <cctype>

#include "hcbridge/error.hpp"

namespace hcbridge::cli {
namespace {

std::string describe(const std::vector<ReaderInfo>& readers) {
  std::string text = "Readers:";
  for (std::size_t i = 0; i < readers.size(); ++i) {
    text += "\n  " + std::to_string(i) + "  " + readers[i].name +
            (readers[i].cardPresent ? "  (card)" : "  (empty)");
  }
  return text;
}

bool isIndex(const std::string& text) {
  return !text.empty() && text.size() < 4 &&
         std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c); });
}

}  // namespace

std::string selectReader(Transport& transport, const std::string& wanted) {
  const auto readers = transport.listReaders();
  if (readers.empty()) {
    throw Error(Errc::NoReaders, "pcscd reports no reader",
                "Connect a smart-card reader (for simulated cards: install vsmartcard-vpcd and "
                "restart pcscd).");
  }
  if (wanted.empty()) {
    std::vector<const ReaderInfo*> withCard;
    for (const auto& r : readers)
      if (r.cardPresent) withCard.push_back(&r);
    if (withCard.size() == 1) return withCard.front()->name;
    throw Error(withCard.empty() ? Errc::CardAbsent : Errc::BadRequest,
                withCard.empty() ? "No reader holds a card"
                                 : "Several readers hold a card: say which one with --reader",
                describe(readers));
  }
  if (isIndex(wanted)) {
    const auto index = std::stoul(wanted);
    if (index < readers.size()) return readers[index].name;
    throw Error(Errc::ReaderNotFound, "There is no reader with index " + wanted,
                describe(readers));
  }
  std::vector<const ReaderInfo*> matches;
  for (const auto& r : readers) {
    if (r.name == wanted) return r.name;
    if (r.name.find(wanted) != std::string::npos) matches.push_back(&r);
  }
  if (matches.size() == 1) return matches.front()->name;
  throw Error(Errc::ReaderNotFound,
              matches.empty() ? "No reader is named '" + wanted + "'"
                              : "'" + wanted + "' matches several readers",
              describe(readers));
}

}  // namespace hcbridge::cli
