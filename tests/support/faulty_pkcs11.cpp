// A PKCS#11 module that misbehaves on purpose, for the tests of what
// hcbridged does when a card's module hangs or crashes: it is SoftHSM2
// (every function forwarded) except C_Sign, which reads the file named by
// HCBRIDGE_TEST_PKCS11_FAULT_FILE at each call: "hang" never returns (sleeps
// an hour), "crash" raises SIGSEGV, anything else (or no file) signs. A
// file, so that a test can turn the fault on in a running service. When the
// module's finalisers run while a "hang" call is still inside it, they write
// "finalised while hanging" to that file + ".finalised": what hcbridged must
// never let happen (the hung thread would use what they free).
#include <dlfcn.h>
#include <p11-kit/pkcs11.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

CK_FUNCTION_LIST forwarded;
CK_FUNCTION_LIST faulty;
CK_C_Sign realSign = nullptr;
std::atomic<bool> hanging{false};

CK_RV faultySign(CK_SESSION_HANDLE session, CK_BYTE_PTR data, CK_ULONG length,
                 CK_BYTE_PTR signature, CK_ULONG_PTR signatureLength) {
  char fault[8] = {};
  if (const char* path = std::getenv("HCBRIDGE_TEST_PKCS11_FAULT_FILE")) {
    if (FILE* file = std::fopen(path, "r")) {
      if (std::fgets(fault, sizeof fault, file) == nullptr) fault[0] = '\0';
      std::fclose(file);
    }
  }
  if (std::strncmp(fault, "hang", 4) == 0) {
    hanging = true;
    ::sleep(3600);
  }
  if (std::strncmp(fault, "crash", 5) == 0) ::raise(SIGSEGV);
  return realSign(session, data, length, signature, signatureLength);
}

__attribute__((destructor)) void finalise() {
  if (!hanging) return;
  const char* path = std::getenv("HCBRIDGE_TEST_PKCS11_FAULT_FILE");
  if (path == nullptr) return;
  const std::string marker = std::string(path) + ".finalised";
  if (FILE* file = std::fopen(marker.c_str(), "w")) {
    std::fputs("finalised while hanging\n", file);
    std::fclose(file);
  }
}

}  // namespace

extern "C" __attribute__((visibility("default"))) CK_RV C_GetFunctionList(
    CK_FUNCTION_LIST_PTR_PTR list) {
  void* softhsm = ::dlopen("/usr/lib/softhsm/libsofthsm2.so", RTLD_NOW | RTLD_LOCAL);
  if (softhsm == nullptr) return CKR_GENERAL_ERROR;
  auto getFunctionList =
      reinterpret_cast<CK_C_GetFunctionList>(::dlsym(softhsm, "C_GetFunctionList"));
  CK_FUNCTION_LIST_PTR real = nullptr;
  if (getFunctionList == nullptr || getFunctionList(&real) != CKR_OK) return CKR_GENERAL_ERROR;
  forwarded = *real;
  faulty = forwarded;
  realSign = forwarded.C_Sign;
  faulty.C_Sign = faultySign;
  *list = &faulty;
  return CKR_OK;
}
