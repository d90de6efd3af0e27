// How readers and reader events are shown: a table for people, JSON for
// programs.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <ostream>
#include <vector>

#include "hcbridge/transport.hpp"

namespace hcbridge::cli {

void printReaderTable(std::ostream& out, const std::vector<ReaderInfo>& readers);
nlohmann::json readersToJson(const std::vector<ReaderInfo>& readers);

// One line per event, with a UTC timestamp (milliseconds).
void printEventLine(std::ostream& out, const ReaderEvent& event);
nlohmann::json eventToJson(const ReaderEvent& event);

}  // namespace hcbridge::cli
