// Maps PC/SC return codes to typed hcbridge errors with a hint for the user.
#pragma once

#include <winscard.h>

#include <string_view>

#include "hcbridge/error.hpp"

namespace hcbridge::pcsc {

// The Errc class of a PC/SC return code (SCARD_S_SUCCESS is not an error).
Errc classify(LONG rv);
// The service is gone or restarted: the context must be re-established.
bool isServiceLoss(LONG rv);
// Throws Error(classify(rv)) naming the operation, the reader and the
// PC/SC text, with a hint saying what to do.
[[noreturn]] void throwPcscError(LONG rv, std::string_view operation,
                                 std::string_view reader = {});

}  // namespace hcbridge::pcsc
