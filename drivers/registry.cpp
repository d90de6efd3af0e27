// The drivers built into hcbridge and their simulator profiles: one row per
// card type. Adding a card: its folder under drivers/, one row here, one
// add_subdirectory line in drivers/CMakeLists.txt (docs/architecture.md,
// "Adding a card type").
#include "hcbridge/drivers.hpp"

namespace hcbridge {
namespace {

struct DriverRow {
  std::unique_ptr<CardDriver> (*makeDriver)();
  void (*registerSimProfiles)();
};

// Order matters only for ATR ties: identify() asks the drivers in this order.
constexpr DriverRow kDrivers[] = {
    {drivers::makeVitaleDriver, drivers::registerVitaleSimProfiles},
    {drivers::makeCpsDriver, drivers::registerCpsSimProfiles},
    {drivers::makeEgkDriver, drivers::registerEgkSimProfiles},
    {drivers::makeHbaDriver, drivers::registerHbaSimProfiles},
};

}  // namespace

DriverRegistry makeDefaultRegistry() {
  DriverRegistry registry;
  for (const DriverRow& row : kDrivers) registry.add(row.makeDriver());
  return registry;
}

namespace drivers {

void registerSimProfiles() {
  for (const DriverRow& row : kDrivers) row.registerSimProfiles();
}

}  // namespace drivers
}  // namespace hcbridge
