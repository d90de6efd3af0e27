// Readable tables of card models for `hcbridge read` and `pin-status`.
#pragma once

#include <ostream>

#include "hcbridge/card_model.hpp"

namespace hcbridge::cli {

void printCard(std::ostream& out, const CardModel& model);
void printPinStatus(std::ostream& out, const PinStatus& status);

}  // namespace hcbridge::cli
