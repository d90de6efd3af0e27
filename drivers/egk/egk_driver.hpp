// The eGK driver with non-default READ BINARY sizes (drivers::makeEgkDriver()
// in hcbridge/drivers.hpp uses the defaults: Le 00, extended where allowed).
#pragma once

#include <memory>

#include "gematik_card.hpp"
#include "hcbridge/card_driver.hpp"

namespace hcbridge::drivers {

// E.g. {254, false} for a reader that cannot take Le 00 or extended APDUs.
std::unique_ptr<CardDriver> makeEgkDriver(const gematik::ReadSettings& settings);

}  // namespace hcbridge::drivers
