// The HBA driver with non-default READ BINARY sizes (drivers::makeHbaDriver()
// in hcbridge/drivers.hpp uses the defaults: Le 00, extended where allowed).
#pragma once

#include <memory>

#include "gematik_card.hpp"
#include "hcbridge/card_driver.hpp"

namespace hcbridge::drivers {

std::unique_ptr<CardDriver> makeHbaDriver(const gematik::ReadSettings& settings);

}  // namespace hcbridge::drivers
