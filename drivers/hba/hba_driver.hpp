// The HBA driver (factory: drivers::makeHbaDriver()). Like the eGK it
// registers no simulator profiles: its test cards are gematik's card images,
// loaded by path (see egk_driver.hpp).
#pragma once

#include <memory>

#include "gematik_card.hpp"
#include "hcbridge/card_driver.hpp"

namespace hcbridge::drivers {

// The default READ BINARY sizes: Le 00, extended where allowed.
std::unique_ptr<CardDriver> makeHbaDriver();

// Non-default READ BINARY sizes (see makeEgkDriver(settings)).
std::unique_ptr<CardDriver> makeHbaDriver(const gematik::ReadSettings& settings);

}  // namespace hcbridge::drivers
