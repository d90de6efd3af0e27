// The card drivers built into hcbridge (each in drivers/<card>/).
#pragma once

#include <memory>

#include "hcbridge/card_driver.hpp"

namespace hcbridge::drivers {

std::unique_ptr<CardDriver> makeVitaleDriver();
std::unique_ptr<CardDriver> makeCpsDriver();
std::unique_ptr<CardDriver> makeEgkDriver();
std::unique_ptr<CardDriver> makeHbaDriver();

// Adds every driver's simulator profiles to the simulator's built-in ones.
void registerSimProfiles();
void registerVitaleSimProfiles();
void registerCpsSimProfiles();
void registerEgkSimProfiles();
void registerHbaSimProfiles();

}  // namespace hcbridge::drivers
