// The eGK driver (factory: drivers::makeEgkDriver()). It registers no
// simulator profiles: the eGK test cards are gematik's card images
// (../shared/reference-cards/gematik/*.xml), which live outside the
// repository and are never copied into it or embedded into the binary;
// sim::loadProfile() loads them by path (it converts any .xml file).
#pragma once

#include <memory>

#include "gematik_card.hpp"
#include "hcbridge/card_driver.hpp"

namespace hcbridge::drivers {

// The default READ BINARY sizes: Le 00, extended where allowed.
std::unique_ptr<CardDriver> makeEgkDriver();

// Non-default READ BINARY sizes, e.g. {254, false} for a reader that cannot take Le 00 or extended
// APDUs.
std::unique_ptr<CardDriver> makeEgkDriver(const gematik::ReadSettings& settings);

}  // namespace hcbridge::drivers
