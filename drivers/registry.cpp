// The drivers built into hcbridge and their simulator profiles: one row per
// card type. Adding a card: its folder under drivers/, one row here, one name
// in HCBRIDGE_CARD_TYPES in drivers/CMakeLists.txt (docs/architecture.md,
// "Adding a card type").
#include "cps_driver.hpp"
#include "cps_sim_profiles.hpp"
#include "egk_driver.hpp"
#include "hba_driver.hpp"
#include "hcbridge/drivers.hpp"
#include "vitale_driver.hpp"
#include "vitale_sim_profiles.hpp"

namespace hcbridge {
namespace {

struct DriverRow {
  std::unique_ptr<CardDriver> (*makeDriver)();
  // nullptr for a card type without embedded simulator profiles (eGK and HBA:
  // their simulated cards are gematik's card images, loaded by path).
  void (*registerSimProfiles)();
};

// Order matters only for ATR ties: identify() asks the drivers in this order.
constexpr DriverRow kDrivers[] = {
    {drivers::makeVitaleDriver, drivers::registerVitaleSimProfiles},
    {drivers::makeCpsDriver, drivers::registerCpsSimProfiles},
    {drivers::makeEgkDriver, nullptr},
    {drivers::makeHbaDriver, nullptr},
};

}  // namespace

DriverRegistry makeDefaultRegistry() {
  DriverRegistry registry;
  for (const DriverRow& row : kDrivers) registry.add(row.makeDriver());
  return registry;
}

namespace drivers {

void registerSimProfiles() {
  for (const DriverRow& row : kDrivers) {
    if (row.registerSimProfiles != nullptr) row.registerSimProfiles();
  }
}

}  // namespace drivers
}  // namespace hcbridge
