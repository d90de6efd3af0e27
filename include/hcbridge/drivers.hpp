// The card drivers built into hcbridge, as a whole: makeDefaultRegistry()
// (declared in hcbridge/card_driver.hpp) and every driver's simulator
// profiles. Each driver's own factory is declared in its folder's header
// (drivers/<card>/<card>_driver.hpp), its simulator profiles in
// drivers/<card>/<card>_sim_profiles.hpp; drivers/registry.cpp names them all.
#pragma once

#include "hcbridge/card_driver.hpp"

namespace hcbridge::drivers {

// Adds every driver's simulator profiles to the simulator's built-in ones.
void registerSimProfiles();

}  // namespace hcbridge::drivers
