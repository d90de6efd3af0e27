// A PKCS#11 module (OpenSC's opensc-pkcs11.so, ANS's Cryptolib CPS, a card
// vendor's module, SoftHSM2) as hcbridge uses it: loaded once and
// initialised with OS locking, its slots and tokens listed, one token's
// certificates read, its user logged in, a key asked to sign. Every CK_RV
// becomes a typed Error with a hint. One thread owns a Module and its
// Sessions (src/core/pkcs11_practitioners.hpp): modules differ in how well
// they bear concurrent callers, and one owner makes a hang easy to detect.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hcbridge/bytes.hpp"
#include "hcbridge/card_model.hpp"
#include "hcbridge/secret.hpp"
#include "hcbridge/signature_scheme.hpp"

namespace hcbridge::pkcs11 {

struct ModuleInfo {
  std::string path{};
  std::string manufacturer{};     // CK_INFO.manufacturerID, blanks trimmed
  std::string description{};      // CK_INFO.libraryDescription
  std::string cryptokiVersion{};  // "2.20", "3.0"
  std::string libraryVersion{};
};

struct TokenInfo {
  std::string label{};  // CK_TOKEN_INFO fields, blanks trimmed
  std::string manufacturer{};
  std::string model{};
  std::string serialNumber{};
  bool loginRequired = false;
  bool protectedAuthenticationPath = false;  // PIN pad: C_Login takes no PIN
  bool userPinInitialized = false;
  bool pinCountLow = false;  // CKF_USER_PIN_COUNT_LOW: a wrong PIN was entered
  bool pinFinalTry = false;  // CKF_USER_PIN_FINAL_TRY
  bool pinLocked = false;    // CKF_USER_PIN_LOCKED
};

struct SlotInfo {
  unsigned long id = 0;
  // CK_SLOT_INFO.slotDescription, blanks trimmed. OpenSC puts the PC/SC
  // reader's name there (cut to 64 bytes); what lets hcbridge tie a token
  // to the reader it sits in.
  std::string description{};
  std::string manufacturer{};
  bool removableDevice = false;
  bool hardwareSlot = false;
  std::optional<TokenInfo> token{};  // present token only
};

enum class KeyKind { Rsa, Ec, Other };

struct CertificateObject {
  Bytes id{};  // CKA_ID: the matching private key carries the same
  std::string label{};
  Bytes der{};
};

struct PrivateKeyObject {
  Bytes id{};
  std::string label{};
  KeyKind kind = KeyKind::Other;
  bool canSign = false;  // CKA_SIGN
};

// The PIN counters a token shows: PKCS#11 has flags only (count low, final
// try, locked), so tries are counted on a card of `maxTries` (3 on CPS and
// HBA): locked 0, final try 1, count low maxTries-1, else maxTries.
PinStatus pinStatusOf(const TokenInfo& token, int maxTries = 3);

class Session;

class Module {
 public:
  // Loads the shared object, takes its function list (C_GetFunctionList) and
  // calls C_Initialize with CKF_OS_LOCKING_OK. Throws Error(Pkcs11ModuleFailed)
  // naming the file: it does not load, lacks a function hcbridge calls, or
  // its C_Initialize fails.
  static std::unique_ptr<Module> load(const std::string& path);
  // C_Finalize. The library stays mapped (RTLD_NODELETE), and a Session
  // that outlives its Module only gets "not initialised" from its calls.
  ~Module();
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  const ModuleInfo& info() const;
  // Every slot the module can describe, with its token when one is present
  // (a slot whose C_GetSlotInfo fails is left out).
  std::vector<SlotInfo> slots() const;
  // One slot; its token is nullopt when absent. Throws Error(ReaderNotFound)
  // for a slot id the module does not know (any more).
  SlotInfo slot(unsigned long slotId) const;
  // The token in the slot, nullopt when none is present: C_GetTokenInfo
  // alone (fresh PIN flags without asking for the slot again, which costs
  // OpenSC a reader scan).
  std::optional<TokenInfo> token(unsigned long slotId) const;
  // A read-only session on the token in the slot. Throws Error(CardAbsent)
  // when no token is present.
  std::unique_ptr<Session> openSession(unsigned long slotId) const;

  struct Api;  // the module's function list (src/pkcs11)

 private:
  Module(std::string path, void* library, std::shared_ptr<const Api> api);
  std::string path_;
  void* library_ = nullptr;
  std::shared_ptr<const Api> api_;
  ModuleInfo info_;
};

class Session {
 public:
  ~Session();  // C_Logout if logged in, C_CloseSession
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  unsigned long slotId() const { return slotId_; }
  // The token's certificates (CKO_CERTIFICATE, X.509), in the module's order.
  std::vector<CertificateObject> certificates() const;
  // The private keys visible now (many tokens show them only after login).
  std::vector<PrivateKeyObject> privateKeys() const;
  // C_Login as the user. Throws PinError(PinIncorrect, retriesLeft) from the
  // token's flags, PinError(PinBlocked), Error(CardRemoved) when the token left.
  void login(const SecretBytes& pin);
  bool loggedIn() const { return loggedIn_; }
  // C_Logout; never throws (the token may be gone).
  void logout() noexcept;
  // Signs the SHA-256 `digest` with the private key whose CKA_ID is `keyId`:
  // RsaPkcs1Sha256 as CKM_RSA_PKCS over the DigestInfo, RsaPssSha256 as
  // CKM_RSA_PKCS_PSS (SHA-256, MGF1-SHA-256, 32-byte salt), EcdsaSha256 as
  // CKM_ECDSA (r||s). Throws Error(PinRequired) when not logged in,
  // Error(OperationUnsupported) for a key that cannot do the scheme.
  Bytes sign(ByteView keyId, SignatureScheme scheme, ByteView digest) const;

 private:
  friend class Module;
  Session(std::shared_ptr<const Module::Api> api, unsigned long slotId, unsigned long handle);
  std::shared_ptr<const Module::Api> api_;
  unsigned long slotId_;
  unsigned long handle_;
  bool loggedIn_ = false;
};

}  // namespace hcbridge::pkcs11
