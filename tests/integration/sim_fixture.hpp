// Shared set-up of the integration tests: real pcscd, the vpcd readers, and
// simulated cards served into them by this test process.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "hcbridge/pcsc_transport.hpp"
#include "hcbridge/sim/card.hpp"
#include "hcbridge/sim/profile.hpp"
#include "hcbridge/sim/vpcd_client.hpp"

namespace hcbridge::testing {

inline const std::string kReader0 = "Virtual PCD 00 00";
inline const std::string kReader1 = "Virtual PCD 00 01";

// Where the test reads a multi-chunk file of the generic profile.
struct LargeFile {
  Bytes dfAid;
  std::uint16_t fid = 0;
  Bytes content;
};
// Finds the largest always-readable transparent EF inside a DF with an AID.
LargeFile findLargeFile(const sim::Profile& profile);

class PcscIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Serves a fresh card of `profile` in `slot` and waits until pcscd sees it.
  sim::VpcdClient& insertCard(const std::string& profile, int slot = 0);
  void removeCard(int slot = 0);

  std::unique_ptr<Transport> transport_;
  std::unique_ptr<sim::VpcdClient> slots_[2];
};

}  // namespace hcbridge::testing
