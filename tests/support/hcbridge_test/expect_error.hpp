// Test helper: expects a call to throw hcbridge::Error (or PinError) with a
// given code and a message naming what failed.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "hcbridge/error.hpp"

namespace hcbridge::testing {

// Expects `call` to throw Error with `code` and a message containing `needle`.
template <typename F>
void expectError(F&& call, Errc code, std::string_view needle = {}) {
  try {
    call();
    ADD_FAILURE() << "expected Error(" << errcId(code) << ")";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), code) << e.what();
    if (!needle.empty()) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos)
          << "message '" << e.what() << "' lacks '" << needle << "'";
    }
  }
}

}  // namespace hcbridge::testing
