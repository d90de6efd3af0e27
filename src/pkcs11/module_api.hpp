// The module's function list, and the bookkeeping around each call into
// the module: the typed errors of CK_RVs and the note of which call is
// running (for a crash report, include/hcbridge/pkcs11/crash_report.hpp).
#pragma once

#include <p11-kit/pkcs11.h>

#include <string>
#include <string_view>

#include "hcbridge/pkcs11/module.hpp"

namespace hcbridge::pkcs11 {

struct Module::Api {
  CK_FUNCTION_LIST* functions = nullptr;
  std::string path;
};

// "CKR_PIN_INCORRECT" or "CKR 0x000000a0".
std::string returnValueName(CK_RV rv);

// The Error a failed call means, naming the call and the module:
// CKR_DEVICE_REMOVED / CKR_TOKEN_NOT_PRESENT / CKR_SESSION_CLOSED ->
// card-removed; CKR_USER_NOT_LOGGED_IN -> pin-required; CKR_PIN_LOCKED ->
// pin-blocked; mechanism and key-type refusals -> operation-unsupported;
// CKR_SLOT_ID_INVALID -> reader-not-found; the rest -> pkcs11-module-failed.
[[noreturn]] void throwFailure(const Module::Api& api, std::string_view call, CK_RV rv);

// Marks the module call running on this thread for the crash report.
class CallMark {
 public:
  CallMark(const Module::Api& api, const char* call);
  ~CallMark();
  CallMark(const CallMark&) = delete;
  CallMark& operator=(const CallMark&) = delete;
};

// Calls `function` (a member of the function list) under a CallMark and
// throws throwFailure() unless it returns CKR_OK.
template <typename Function, typename... Args>
void call(const Module::Api& api, const char* name, Function function, Args... args) {
  CK_RV rv = CKR_OK;
  {
    CallMark mark(api, name);
    rv = function(args...);
  }
  if (rv != CKR_OK) throwFailure(api, name, rv);
}

// The token fields and flags hcbridge reads, text trimmed.
TokenInfo tokenInfoOf(const CK_TOKEN_INFO& info);

// Blank-padded fixed-width PKCS#11 text, trailing blanks and NULs removed.
std::string paddedText(const unsigned char* text, std::size_t size);

}  // namespace hcbridge::pkcs11
