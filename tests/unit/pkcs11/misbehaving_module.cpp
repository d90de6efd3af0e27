// A PKCS#11 module that misbehaves on purpose in C_GetSlotList, as
// HCBRIDGE_TEST_MODULE_FAULT says: "crash" (SIGSEGV) or "hang" (sleeps a
// minute). It loads like any module (every function hcbridge calls is
// there) so the crash report and the doctor's hang and crash checks can be
// tested. Its other functions answer CKR_FUNCTION_NOT_SUPPORTED.
#include <p11-kit/pkcs11.h>
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace {

CK_RV unsupported() {
  return CKR_FUNCTION_NOT_SUPPORTED;
}

CK_RV getSlotList(CK_BBOOL, CK_SLOT_ID_PTR, CK_ULONG_PTR count) {
  const char* fault = std::getenv("HCBRIDGE_TEST_MODULE_FAULT");
  if (fault != nullptr && std::strcmp(fault, "crash") == 0) ::raise(SIGSEGV);
  if (fault != nullptr && std::strcmp(fault, "hang") == 0) ::sleep(60);
  *count = 0;
  return CKR_OK;
}

CK_FUNCTION_LIST makeFunctionList() {
  CK_FUNCTION_LIST list{};
  list.version = {2, 40};
  list.C_Initialize = [](CK_VOID_PTR) -> CK_RV { return CKR_OK; };
  list.C_Finalize = [](CK_VOID_PTR) -> CK_RV { return CKR_OK; };
  list.C_GetInfo = [](CK_INFO_PTR info) -> CK_RV {
    std::memset(info, ' ', sizeof *info);
    info->cryptokiVersion = {2, 40};
    info->libraryVersion = {0, 1};
    info->flags = 0;
    std::memcpy(info->manufacturerID, "hcbridge TEST", 13);
    std::memcpy(info->libraryDescription, "misbehaving module", 18);
    return CKR_OK;
  };
  list.C_GetSlotList = getSlotList;
  list.C_GetSlotInfo = [](CK_SLOT_ID, CK_SLOT_INFO_PTR) -> CK_RV { return unsupported(); };
  list.C_GetTokenInfo = [](CK_SLOT_ID, CK_TOKEN_INFO_PTR) -> CK_RV { return unsupported(); };
  list.C_OpenSession = [](CK_SLOT_ID, CK_FLAGS, CK_VOID_PTR, CK_NOTIFY,
                          CK_SESSION_HANDLE_PTR) -> CK_RV { return unsupported(); };
  list.C_CloseSession = [](CK_SESSION_HANDLE) -> CK_RV { return unsupported(); };
  list.C_Login = [](CK_SESSION_HANDLE, CK_USER_TYPE, CK_UTF8CHAR_PTR, CK_ULONG) -> CK_RV {
    return unsupported();
  };
  list.C_Logout = [](CK_SESSION_HANDLE) -> CK_RV { return unsupported(); };
  list.C_FindObjectsInit = [](CK_SESSION_HANDLE, CK_ATTRIBUTE_PTR, CK_ULONG) -> CK_RV {
    return unsupported();
  };
  list.C_FindObjects = [](CK_SESSION_HANDLE, CK_OBJECT_HANDLE_PTR, CK_ULONG,
                          CK_ULONG_PTR) -> CK_RV { return unsupported(); };
  list.C_FindObjectsFinal = [](CK_SESSION_HANDLE) -> CK_RV { return unsupported(); };
  list.C_GetAttributeValue = [](CK_SESSION_HANDLE, CK_OBJECT_HANDLE, CK_ATTRIBUTE_PTR,
                                CK_ULONG) -> CK_RV { return unsupported(); };
  list.C_SignInit = [](CK_SESSION_HANDLE, CK_MECHANISM_PTR, CK_OBJECT_HANDLE) -> CK_RV {
    return unsupported();
  };
  list.C_Sign = [](CK_SESSION_HANDLE, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR) -> CK_RV {
    return unsupported();
  };
  return list;
}

CK_FUNCTION_LIST functionList = makeFunctionList();

}  // namespace

extern "C" __attribute__((visibility("default"))) CK_RV C_GetFunctionList(
    CK_FUNCTION_LIST_PTR_PTR list) {
  *list = &functionList;
  return CKR_OK;
}
