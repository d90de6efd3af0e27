// The CPS simulator profiles (library hcbridge_driver_cps_sim, which links
// the simulator; the driver itself does not).
#pragma once

namespace hcbridge::drivers {

// Adds cps-demo and its variants (drivers/cps/profiles/*.json, invented TEST
// data, TEST ONLY keys) to the simulator's built-in profiles.
void registerCpsSimProfiles();

}  // namespace hcbridge::drivers
