// The Carte Vitale simulator profiles (library hcbridge_driver_vitale_sim,
// which links the simulator; the driver itself does not).
#pragma once

namespace hcbridge::drivers {

// Adds vitale-family, vitale-corse, vitale-expired, vitale-forged and
// vitale-cloned (drivers/vitale/profiles/*.json, invented TEST data) to the
// simulator's built-in profiles. Calling it again is harmless.
void registerVitaleSimProfiles();

}  // namespace hcbridge::drivers
