#include <signal.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstdio>
#include <cstring>

#include "hcbridge/error.hpp"
#include "hcbridge/pkcs11/crash_report.hpp"
#include "module_api.hpp"

namespace hcbridge::pkcs11 {
namespace {

struct NamedValue {
  CK_RV rv;
  const char* name;
};

constexpr std::array kNames{
    NamedValue{CKR_CANCEL, "CKR_CANCEL"},
    NamedValue{CKR_HOST_MEMORY, "CKR_HOST_MEMORY"},
    NamedValue{CKR_SLOT_ID_INVALID, "CKR_SLOT_ID_INVALID"},
    NamedValue{CKR_GENERAL_ERROR, "CKR_GENERAL_ERROR"},
    NamedValue{CKR_FUNCTION_FAILED, "CKR_FUNCTION_FAILED"},
    NamedValue{CKR_ARGUMENTS_BAD, "CKR_ARGUMENTS_BAD"},
    NamedValue{CKR_CANT_LOCK, "CKR_CANT_LOCK"},
    NamedValue{CKR_ATTRIBUTE_SENSITIVE, "CKR_ATTRIBUTE_SENSITIVE"},
    NamedValue{CKR_ATTRIBUTE_TYPE_INVALID, "CKR_ATTRIBUTE_TYPE_INVALID"},
    NamedValue{CKR_DATA_LEN_RANGE, "CKR_DATA_LEN_RANGE"},
    NamedValue{CKR_DEVICE_ERROR, "CKR_DEVICE_ERROR"},
    NamedValue{CKR_DEVICE_MEMORY, "CKR_DEVICE_MEMORY"},
    NamedValue{CKR_DEVICE_REMOVED, "CKR_DEVICE_REMOVED"},
    NamedValue{CKR_FUNCTION_CANCELED, "CKR_FUNCTION_CANCELED"},
    NamedValue{CKR_FUNCTION_NOT_SUPPORTED, "CKR_FUNCTION_NOT_SUPPORTED"},
    NamedValue{CKR_KEY_HANDLE_INVALID, "CKR_KEY_HANDLE_INVALID"},
    NamedValue{CKR_KEY_SIZE_RANGE, "CKR_KEY_SIZE_RANGE"},
    NamedValue{CKR_KEY_TYPE_INCONSISTENT, "CKR_KEY_TYPE_INCONSISTENT"},
    NamedValue{CKR_KEY_FUNCTION_NOT_PERMITTED, "CKR_KEY_FUNCTION_NOT_PERMITTED"},
    NamedValue{CKR_MECHANISM_INVALID, "CKR_MECHANISM_INVALID"},
    NamedValue{CKR_MECHANISM_PARAM_INVALID, "CKR_MECHANISM_PARAM_INVALID"},
    NamedValue{CKR_OPERATION_ACTIVE, "CKR_OPERATION_ACTIVE"},
    NamedValue{CKR_PIN_INCORRECT, "CKR_PIN_INCORRECT"},
    NamedValue{CKR_PIN_INVALID, "CKR_PIN_INVALID"},
    NamedValue{CKR_PIN_LEN_RANGE, "CKR_PIN_LEN_RANGE"},
    NamedValue{CKR_PIN_EXPIRED, "CKR_PIN_EXPIRED"},
    NamedValue{CKR_PIN_LOCKED, "CKR_PIN_LOCKED"},
    NamedValue{CKR_SESSION_CLOSED, "CKR_SESSION_CLOSED"},
    NamedValue{CKR_SESSION_COUNT, "CKR_SESSION_COUNT"},
    NamedValue{CKR_SESSION_HANDLE_INVALID, "CKR_SESSION_HANDLE_INVALID"},
    NamedValue{CKR_TOKEN_NOT_PRESENT, "CKR_TOKEN_NOT_PRESENT"},
    NamedValue{CKR_TOKEN_NOT_RECOGNIZED, "CKR_TOKEN_NOT_RECOGNIZED"},
    NamedValue{CKR_USER_ALREADY_LOGGED_IN, "CKR_USER_ALREADY_LOGGED_IN"},
    NamedValue{CKR_USER_NOT_LOGGED_IN, "CKR_USER_NOT_LOGGED_IN"},
    NamedValue{CKR_USER_PIN_NOT_INITIALIZED, "CKR_USER_PIN_NOT_INITIALIZED"},
    NamedValue{CKR_USER_TYPE_INVALID, "CKR_USER_TYPE_INVALID"},
    NamedValue{CKR_BUFFER_TOO_SMALL, "CKR_BUFFER_TOO_SMALL"},
    NamedValue{CKR_CRYPTOKI_NOT_INITIALIZED, "CKR_CRYPTOKI_NOT_INITIALIZED"},
    NamedValue{CKR_CRYPTOKI_ALREADY_INITIALIZED, "CKR_CRYPTOKI_ALREADY_INITIALIZED"},
};

// Read by the signal handler: plain pointers to text that outlives the call.
std::atomic<const char*> runningCall{nullptr};
std::atomic<const char*> runningModule{nullptr};

void writeText(const char* text) {
  if (text == nullptr) return;
  // write(2) is async-signal-safe; a short write is not retried: a crash report is best effort.
  [[maybe_unused]] const ssize_t written = ::write(STDERR_FILENO, text, std::strlen(text));
}

extern "C" void reportCrash(int signal) {
  const char* call = runningCall.load();
  if (call != nullptr) {
    writeText("hcbridged: crashed inside the PKCS#11 module ");
    writeText(runningModule.load());
    writeText(" during ");
    writeText(call);
    writeText(
        ": the service restarts; if this repeats, report it to the module's vendor and "
        "remove practitioner_pkcs11 from the config meanwhile (docs/install.md)\n");
  }
  // SA_RESETHAND restored the default action: the signal now ends the process as it would have.
  ::raise(signal);
}

}  // namespace

std::string returnValueName(CK_RV rv) {
  for (const NamedValue& named : kNames) {
    if (named.rv == rv) return named.name;
  }
  char text[32];
  std::snprintf(text, sizeof text, "CKR 0x%08lx", static_cast<unsigned long>(rv));
  return text;
}

void throwFailure(const Module::Api& api, std::string_view call, CK_RV rv) {
  const std::string what = std::string(call) + " failed with " + returnValueName(rv) +
                           " (PKCS#11 module " + api.path + ")";
  switch (rv) {
    case CKR_DEVICE_REMOVED:
    case CKR_TOKEN_NOT_PRESENT:
    case CKR_SESSION_CLOSED:
    case CKR_SESSION_HANDLE_INVALID:
      throw Error(Errc::CardRemoved, "the practitioner card left its reader: " + what,
                  "Insert the card again and open the session again.");
    case CKR_USER_NOT_LOGGED_IN:
      throw Error(Errc::PinRequired, "the token needs its PIN first: " + what);
    case CKR_PIN_LOCKED:
      throw PinError(Errc::PinBlocked, 0, "the card's PIN is blocked: " + what,
                     "Unblock the PIN with the card's PUK or ask the card's issuer.");
    case CKR_PIN_LEN_RANGE:
    case CKR_PIN_INVALID:
      throw Error(Errc::BadRequest, "the PIN's length or characters do not suit the card: " + what);
    case CKR_MECHANISM_INVALID:
    case CKR_MECHANISM_PARAM_INVALID:
    case CKR_KEY_TYPE_INCONSISTENT:
    case CKR_KEY_FUNCTION_NOT_PERMITTED:
      throw Error(Errc::OperationUnsupported, "the token cannot sign this way: " + what,
                  "Set practitioner_pkcs11.rsa_signature to what the card supports (\"pkcs1\" or "
                  "\"pss\"), or name another key with practitioner_pkcs11.key_id.");
    case CKR_SLOT_ID_INVALID:
      throw Error(Errc::ReaderNotFound, "the token's slot is gone: " + what,
                  "Insert the card again.");
    case CKR_TOKEN_NOT_RECOGNIZED:
      throw Error(Errc::CardUnsupported, "the module does not know this card: " + what,
                  "Check that the module is the card issuer's (hcbridge doctor lists its tokens).");
    default:
      throw Error(Errc::Pkcs11ModuleFailed, what,
                  "Run `hcbridge doctor`; check the module's own log, and that it is the one the "
                  "card issuer provides for this card.");
  }
}

CallMark::CallMark(const Module::Api& api, const char* call) {
  runningModule.store(api.path.c_str());
  runningCall.store(call);
}

CallMark::~CallMark() {
  runningCall.store(nullptr);
}

std::string paddedText(const unsigned char* text, std::size_t size) {
  std::string value(reinterpret_cast<const char*>(text), size);
  const auto end = value.find_last_not_of(std::string_view(" \0", 2));
  value.erase(end == std::string::npos ? 0 : end + 1);
  return value;
}

void installCrashReport() {
  struct sigaction action {};
  action.sa_handler = reportCrash;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESETHAND;
  for (int signal : {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT})
    ::sigaction(signal, &action, nullptr);
}

}  // namespace hcbridge::pkcs11
