// The drivers built into hcbridge and their simulator profiles.
#include "hcbridge/drivers.hpp"

namespace hcbridge {

DriverRegistry makeDefaultRegistry() {
  DriverRegistry registry;
  registry.add(drivers::makeVitaleDriver());
  registry.add(drivers::makeCpsDriver());
  registry.add(drivers::makeEgkDriver());
  registry.add(drivers::makeHbaDriver());
  return registry;
}

namespace drivers {

void registerSimProfiles() {
  registerVitaleSimProfiles();
  registerCpsSimProfiles();
  registerEgkSimProfiles();
  registerHbaSimProfiles();
}

}  // namespace drivers
}  // namespace hcbridge
