#include <dlfcn.h>

#include <utility>

#include "hcbridge/error.hpp"
#include "module_api.hpp"

namespace hcbridge::pkcs11 {
namespace {

Error loadFailure(const std::string& path, const std::string& why) {
  return Error(Errc::Pkcs11ModuleFailed, "the PKCS#11 module " + path + " " + why,
               "Check practitioner_pkcs11.module: the path of the card middleware's PKCS#11 "
               "library (Debian opensc-pkcs11: /usr/lib/x86_64-linux-gnu/opensc-pkcs11.so; see "
               "docs/install.md), readable by the service user.");
}

// The functions hcbridge calls: a module without one of them is refused at load.
bool hasEveryFunctionUsed(const CK_FUNCTION_LIST& f) {
  return f.C_Initialize && f.C_Finalize && f.C_GetInfo && f.C_GetSlotList && f.C_GetSlotInfo &&
         f.C_GetTokenInfo && f.C_OpenSession && f.C_CloseSession && f.C_Login && f.C_Logout &&
         f.C_FindObjectsInit && f.C_FindObjects && f.C_FindObjectsFinal && f.C_GetAttributeValue &&
         f.C_SignInit && f.C_Sign;
}

std::string versionText(const CK_VERSION& version) {
  return std::to_string(version.major) + "." + std::to_string(version.minor);
}

}  // namespace

TokenInfo tokenInfoOf(const CK_TOKEN_INFO& info) {
  TokenInfo token;
  token.label = paddedText(info.label, sizeof info.label);
  token.manufacturer = paddedText(info.manufacturerID, sizeof info.manufacturerID);
  token.model = paddedText(info.model, sizeof info.model);
  token.serialNumber = paddedText(info.serialNumber, sizeof info.serialNumber);
  token.loginRequired = (info.flags & CKF_LOGIN_REQUIRED) != 0;
  token.protectedAuthenticationPath = (info.flags & CKF_PROTECTED_AUTHENTICATION_PATH) != 0;
  token.userPinInitialized = (info.flags & CKF_USER_PIN_INITIALIZED) != 0;
  token.pinCountLow = (info.flags & CKF_USER_PIN_COUNT_LOW) != 0;
  token.pinFinalTry = (info.flags & CKF_USER_PIN_FINAL_TRY) != 0;
  token.pinLocked = (info.flags & CKF_USER_PIN_LOCKED) != 0;
  return token;
}

PinStatus pinStatusOf(const TokenInfo& token, int maxTries) {
  PinStatus status;
  status.maxTries = maxTries;
  status.blocked = token.pinLocked;
  if (token.pinLocked) {
    status.triesLeft = 0;
  } else if (token.pinFinalTry) {
    status.triesLeft = 1;
  } else if (token.pinCountLow) {
    status.triesLeft = maxTries > 1 ? maxTries - 1 : 1;
  } else {
    status.triesLeft = maxTries;
  }
  status.state = token.userPinInitialized ? "regular" : "empty-pin";
  return status;
}

std::unique_ptr<Module> Module::load(const std::string& path) {
  // RTLD_NODELETE: a module stays mapped after C_Finalize and dlclose. Some
  // modules leave threads or exit handlers behind, whose code must still be
  // there; and a leak report then names the module instead of "<unknown>".
  void* library = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
  if (library == nullptr) {
    const char* why = ::dlerror();
    throw loadFailure(path, std::string("does not load: ") + (why ? why : "dlopen failed"));
  }
  auto getFunctionList =
      reinterpret_cast<CK_C_GetFunctionList>(::dlsym(library, "C_GetFunctionList"));
  CK_FUNCTION_LIST* functions = nullptr;
  if (getFunctionList == nullptr || getFunctionList(&functions) != CKR_OK || functions == nullptr ||
      !hasEveryFunctionUsed(*functions)) {
    ::dlclose(library);
    throw loadFailure(path,
                      "is not a PKCS#11 module, or lacks a function hcbridge calls "
                      "(C_GetFunctionList, C_Login, C_Sign, ...)");
  }
  auto api = std::make_shared<Api>(Api{functions, path});
  CK_C_INITIALIZE_ARGS arguments{};
  arguments.flags = CKF_OS_LOCKING_OK;
  CK_RV rv = CKR_OK;
  {
    CallMark mark(*api, "C_Initialize");
    rv = functions->C_Initialize(&arguments);
  }
  if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
    ::dlclose(library);
    throw loadFailure(path, "refused C_Initialize with " + returnValueName(rv));
  }
  std::unique_ptr<Module> module(new Module(path, library, api));
  CK_INFO info{};
  call(*api, "C_GetInfo", functions->C_GetInfo, &info);
  module->info_.path = path;
  module->info_.manufacturer = paddedText(info.manufacturerID, sizeof info.manufacturerID);
  module->info_.description = paddedText(info.libraryDescription, sizeof info.libraryDescription);
  module->info_.cryptokiVersion = versionText(info.cryptokiVersion);
  module->info_.libraryVersion = versionText(info.libraryVersion);
  return module;
}

Module::Module(std::string path, void* library, std::shared_ptr<const Api> api)
    : path_(std::move(path)), library_(library), api_(std::move(api)) {}

Module::~Module() {
  {
    CallMark mark(*api_, "C_Finalize");
    api_->functions->C_Finalize(nullptr);
  }
  ::dlclose(library_);
}

const ModuleInfo& Module::info() const {
  return info_;
}

std::vector<SlotInfo> Module::slots() const {
  CK_ULONG count = 0;
  call(*api_, "C_GetSlotList", api_->functions->C_GetSlotList, CK_BBOOL{CK_FALSE}, nullptr, &count);
  std::vector<CK_SLOT_ID> ids(count);
  if (count != 0) {
    call(*api_, "C_GetSlotList", api_->functions->C_GetSlotList, CK_BBOOL{CK_FALSE}, ids.data(),
         &count);
  }
  ids.resize(count);
  std::vector<SlotInfo> slots;
  for (CK_SLOT_ID id : ids) {
    try {
      slots.push_back(slot(id));
    } catch (const Error&) {
      // A slot that vanished between the two calls (a reader unplugged), or
      // one the module cannot describe (OpenSC answers CKR_GENERAL_ERROR for
      // a reader it cannot use), is not listed: the others still are.
    }
  }
  return slots;
}

SlotInfo Module::slot(unsigned long slotId) const {
  CK_SLOT_INFO info{};
  call(*api_, "C_GetSlotInfo", api_->functions->C_GetSlotInfo, slotId, &info);
  SlotInfo slot;
  slot.id = slotId;
  slot.description = paddedText(info.slotDescription, sizeof info.slotDescription);
  slot.manufacturer = paddedText(info.manufacturerID, sizeof info.manufacturerID);
  slot.removableDevice = (info.flags & CKF_REMOVABLE_DEVICE) != 0;
  slot.hardwareSlot = (info.flags & CKF_HW_SLOT) != 0;
  if ((info.flags & CKF_TOKEN_PRESENT) != 0) slot.token = token(slotId);
  return slot;
}

std::optional<TokenInfo> Module::token(unsigned long slotId) const {
  CK_TOKEN_INFO token{};
  CK_RV rv = CKR_OK;
  {
    CallMark mark(*api_, "C_GetTokenInfo");
    rv = api_->functions->C_GetTokenInfo(slotId, &token);
  }
  if (rv == CKR_OK) return tokenInfoOf(token);
  if (rv == CKR_TOKEN_NOT_PRESENT || rv == CKR_TOKEN_NOT_RECOGNIZED || rv == CKR_DEVICE_REMOVED) {
    return std::nullopt;
  }
  throwFailure(*api_, "C_GetTokenInfo", rv);
}

std::unique_ptr<Session> Module::openSession(unsigned long slotId) const {
  CK_SESSION_HANDLE handle = CK_INVALID_HANDLE;
  CK_RV rv = CKR_OK;
  {
    CallMark mark(*api_, "C_OpenSession");
    rv = api_->functions->C_OpenSession(slotId, CKF_SERIAL_SESSION, nullptr, nullptr, &handle);
  }
  if (rv == CKR_TOKEN_NOT_PRESENT || rv == CKR_DEVICE_REMOVED) {
    throw Error(Errc::CardAbsent, "no token in the PKCS#11 slot " + std::to_string(slotId),
                "Insert the practitioner card.");
  }
  if (rv != CKR_OK) throwFailure(*api_, "C_OpenSession", rv);
  return std::unique_ptr<Session>(new Session(api_, slotId, handle));
}

}  // namespace hcbridge::pkcs11
