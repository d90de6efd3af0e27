// PC/SC return codes to typed errors: what the soak run (tests/soak) met
// around a pcscd restart must be a typed service error, never `internal`.
#include "pcsc_error.hpp"

#include <gtest/gtest.h>
#include <pcsclite.h>

#include <string>

namespace hcbridge::pcsc {
namespace {

Error thrownFor(LONG rv) {
  try {
    throwPcscError(rv, "Connecting to pcscd");
  } catch (const Error& error) {
    return error;
  }
  return Error(Errc::Internal, "nothing thrown");
}

// libpcsclite answered "Access denied" to SCardEstablishContext and
// SCardBeginTransaction while pcscd restarted: a 500 `internal` before.
TEST(PcscError, AccessDeniedIsTheServiceUnavailableWithAHintForPolkitAndRestarts) {
  EXPECT_EQ(classify(SCARD_W_SECURITY_VIOLATION), Errc::PcscUnavailable);
  EXPECT_FALSE(isServiceLoss(SCARD_W_SECURITY_VIOLATION));  // no context to re-establish for it
  const Error error = thrownFor(SCARD_W_SECURITY_VIOLATION);
  EXPECT_EQ(error.code(), Errc::PcscUnavailable);
  EXPECT_NE(std::string(error.what()).find("Access denied"), std::string::npos) << error.what();
  EXPECT_NE(error.hint().find("polkit"), std::string::npos) << error.hint();
  EXPECT_NE(error.hint().find("restarting"), std::string::npos) << error.hint();
}

TEST(PcscError, ServiceLossCodesAreUnavailableAndCardCodesKeepTheirMeaning) {
  for (const LONG rv :
       {SCARD_E_NO_SERVICE, SCARD_E_SERVICE_STOPPED, SCARD_E_INVALID_HANDLE, SCARD_F_COMM_ERROR}) {
    EXPECT_EQ(classify(rv), Errc::PcscUnavailable) << pcsc_stringify_error(rv);
    EXPECT_TRUE(isServiceLoss(rv)) << pcsc_stringify_error(rv);
  }
  EXPECT_EQ(classify(SCARD_W_REMOVED_CARD), Errc::CardRemoved);
  EXPECT_EQ(classify(SCARD_E_NO_SMARTCARD), Errc::CardAbsent);
  EXPECT_EQ(classify(SCARD_E_SHARING_VIOLATION), Errc::ReaderBusy);
  EXPECT_EQ(thrownFor(SCARD_E_NO_SERVICE).hint().find("polkit"), std::string::npos);
}

}  // namespace
}  // namespace hcbridge::pcsc
