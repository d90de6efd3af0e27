// Module::load refuses what is not a PKCS#11 module, naming the file, and
// loads SoftHSM2 with its library information.
#include <gtest/gtest.h>

#include "hcbridge/pkcs11/module.hpp"
#include "hcbridge_test/expect_error.hpp"
#include "softhsm_token.hpp"

namespace hcbridge::testing {
namespace {

using pkcs11::Module;

TEST(Pkcs11Load, AMissingFileFailsNamingIt) {
  const std::string path = "/nonexistent/hcbridge-test/opensc-pkcs11.so";
  expectError([&] { Module::load(path); }, Errc::Pkcs11ModuleFailed, path + " does not load");
}

TEST(Pkcs11Load, AProgramIsNotAModule) {
  expectError([] { Module::load("/bin/true"); }, Errc::Pkcs11ModuleFailed, "/bin/true");
}

// A shared library that loads but has no C_GetFunctionList.
TEST(Pkcs11Load, ALibraryWithoutTheFunctionListIsNotAModule) {
  const std::string path = "/usr/lib/x86_64-linux-gnu/libz.so.1";
  expectError([&] { Module::load(path); }, Errc::Pkcs11ModuleFailed,
              path + " is not a PKCS#11 module");
}

TEST(Pkcs11Load, TheLoadFailureHintNamesTheConfigKey) {
  try {
    Module::load("/nonexistent/module.so");
    ADD_FAILURE() << "expected Error(pkcs11-module-failed)";
  } catch (const Error& error) {
    EXPECT_NE(error.hint().find("practitioner_pkcs11.module"), std::string::npos) << error.hint();
  }
}

TEST(Pkcs11Load, SoftHsmLoadsWithItsLibraryInformation) {
  SoftHsmToken token("hcbridge TEST load", "cps-demo-auth");
  const auto module = Module::load(kSoftHsmModule);
  EXPECT_EQ(module->info().path, kSoftHsmModule);
  EXPECT_EQ(module->info().manufacturer, "SoftHSM");
  EXPECT_EQ(module->info().cryptokiVersion.substr(0, 2), "2.");
  EXPECT_FALSE(module->info().libraryVersion.empty());
}

// The module is finalised and unloaded with its Module: loading it again works.
TEST(Pkcs11Load, AModuleLoadsAgainAfterItsRelease) {
  SoftHsmToken token("hcbridge TEST reload", "cps-demo-auth");
  Module::load(kSoftHsmModule).reset();
  const auto again = Module::load(kSoftHsmModule);
  EXPECT_FALSE(again->slots().empty());
}

}  // namespace
}  // namespace hcbridge::testing
