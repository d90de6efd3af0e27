// The crash report names the module and the call it crashed in; a hung or
// crashing module is the misbehaving test module (misbehaving_module.cpp).
#include "hcbridge/pkcs11/crash_report.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>

#include "hcbridge/pkcs11/module.hpp"

namespace hcbridge::testing {
namespace {

TEST(Pkcs11CrashReportDeathTest, ACrashInsideTheModuleNamesItAndTheCall) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        ::setenv("HCBRIDGE_TEST_MODULE_FAULT", "crash", 1);
        pkcs11::installCrashReport();
        const auto module = pkcs11::Module::load(HCBRIDGE_MISBEHAVING_MODULE);
        module->slots();
      },
      ::testing::KilledBySignal(SIGSEGV),
      std::string("crashed inside the PKCS#11 module ") + HCBRIDGE_MISBEHAVING_MODULE +
          " during C_GetSlotList");
}

TEST(Pkcs11CrashReportDeathTest, ACrashOutsideTheModuleSaysNothingOfIt) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        ::unsetenv("HCBRIDGE_TEST_MODULE_FAULT");
        pkcs11::installCrashReport();
        const auto module = pkcs11::Module::load(HCBRIDGE_MISBEHAVING_MODULE);
        module->slots();  // returns: the call is over when the crash comes
        ::raise(SIGSEGV);
      },
      ::testing::KilledBySignal(SIGSEGV), ::testing::Not(::testing::HasSubstr("crashed inside")));
}

}  // namespace
}  // namespace hcbridge::testing
