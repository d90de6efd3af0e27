#include "reader_output.hpp"

#include <algorithm>
#include <chrono>
#include <iomanip>
#include <nlohmann/json.hpp>

#include "hcbridge/base/utc_time.hpp"
#include "hcbridge/bytes.hpp"

namespace hcbridge::cli {
namespace {

std::string cardState(const ReaderInfo& reader) {
  if (!reader.cardPresent) return "empty";
  if (reader.mute) return "mute card";
  return reader.inUse ? "card (in use)" : "card";
}

}  // namespace

void printReaderTable(std::ostream& out, const std::vector<ReaderInfo>& readers) {
  if (readers.empty()) {
    out << "No readers.\n";
    return;
  }
  std::size_t width = 6;
  for (const auto& r : readers) width = std::max(width, r.name.size());
  out << std::left << std::setw(3) << "#" << "  " << std::setw(static_cast<int>(width))
      << "Reader" << "  " << std::setw(13) << "Card" << "  ATR\n";
  for (std::size_t i = 0; i < readers.size(); ++i) {
    out << std::left << std::setw(3) << i << "  " << std::setw(static_cast<int>(width))
        << readers[i].name << "  " << std::setw(13) << cardState(readers[i]) << "  "
        << toHex(readers[i].atr, " ") << "\n";
  }
}

nlohmann::json readersToJson(const std::vector<ReaderInfo>& readers) {
  auto list = nlohmann::json::array();
  for (std::size_t i = 0; i < readers.size(); ++i) {
    list.push_back({{"index", i},
                    {"name", readers[i].name},
                    {"cardPresent", readers[i].cardPresent},
                    {"inUse", readers[i].inUse},
                    {"mute", readers[i].mute},
                    {"atr", toHex(readers[i].atr)}});
  }
  return {{"readers", list}};
}

void printEventLine(std::ostream& out, const ReaderEvent& event) {
  out << base::utcMillisText(std::chrono::system_clock::now()) << "  " << std::left << std::setw(16)
      << readerEventName(event.kind);
  if (!event.reader.empty()) out << "  " << event.reader;
  if (!event.atr.empty()) out << "  ATR " << toHex(event.atr, " ");
  out << std::endl;  // flush: a watcher reads this line as it happens
}

nlohmann::json eventToJson(const ReaderEvent& event) {
  nlohmann::json json = {{"time", base::utcMillisText(std::chrono::system_clock::now())},
                         {"event", readerEventName(event.kind)}};
  if (!event.reader.empty()) json["reader"] = event.reader;
  if (!event.atr.empty()) json["atr"] = toHex(event.atr);
  return json;
}

}  // namespace hcbridge::cli
