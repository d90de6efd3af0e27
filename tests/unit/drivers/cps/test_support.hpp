// Helpers shared by the CPS driver tests.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "hcbridge/bytes.hpp"
#include "hcbridge/error.hpp"
#include "hcbridge/transport.hpp"
#include "hcbridge_test/expect_error.hpp"
#include "hcbridge_test/recording_connection.hpp"

namespace hcbridge::drivers::testing {

using hcbridge::testing::expectError;
using hcbridge::testing::RecordingConnection;
// A file of the TEST PKI fixtures (tests/pki/fixtures).
inline Bytes pkiFile(const std::string& name) {
  std::ifstream in(std::string(HCBRIDGE_TEST_PKI_DIR) + "/" + name, std::ios::binary);
  EXPECT_TRUE(in) << name;
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace hcbridge::drivers::testing
