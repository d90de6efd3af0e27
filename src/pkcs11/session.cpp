#include <array>
#include <optional>

#include "hcbridge/error.hpp"
#include "module_api.hpp"

namespace hcbridge::pkcs11 {
namespace {

constexpr std::size_t kSha256Size = 32;
constexpr CK_ULONG kMaxObjects = 64;             // a card holds a handful; more means a wrong token
constexpr std::size_t kMaxSignatureSize = 1024;  // RSA 8192 bits

// DER of DigestInfo{sha256, NULL} up to the digest (RFC 8017, section 9.2, note 1).
constexpr std::array<unsigned char, 19> kSha256DigestInfoPrefix{
    0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
    0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20};

std::vector<CK_OBJECT_HANDLE> findObjects(const Module::Api& api, CK_SESSION_HANDLE session,
                                          std::vector<CK_ATTRIBUTE> pattern) {
  call(api, "C_FindObjectsInit", api.functions->C_FindObjectsInit, session, pattern.data(),
       static_cast<CK_ULONG>(pattern.size()));
  std::vector<CK_OBJECT_HANDLE> found(kMaxObjects);
  CK_ULONG count = 0;
  CK_RV rv = CKR_OK;
  {
    CallMark mark(api, "C_FindObjects");
    rv = api.functions->C_FindObjects(session, found.data(), kMaxObjects, &count);
  }
  {
    CallMark mark(api, "C_FindObjectsFinal");
    api.functions->C_FindObjectsFinal(session);
  }
  if (rv != CKR_OK) throwFailure(api, "C_FindObjects", rv);
  found.resize(count);
  return found;
}

// The attribute's value, or nullopt when the object does not have it or keeps it secret.
std::optional<Bytes> attribute(const Module::Api& api, CK_SESSION_HANDLE session,
                               CK_OBJECT_HANDLE object, CK_ATTRIBUTE_TYPE type) {
  CK_ATTRIBUTE query{type, nullptr, 0};
  CK_RV rv = CKR_OK;
  {
    CallMark mark(api, "C_GetAttributeValue");
    rv = api.functions->C_GetAttributeValue(session, object, &query, 1);
  }
  if (rv == CKR_ATTRIBUTE_SENSITIVE || rv == CKR_ATTRIBUTE_TYPE_INVALID ||
      query.ulValueLen == CK_UNAVAILABLE_INFORMATION) {
    return std::nullopt;
  }
  if (rv != CKR_OK) throwFailure(api, "C_GetAttributeValue", rv);
  Bytes value(query.ulValueLen);
  query.pValue = value.data();
  call(api, "C_GetAttributeValue", api.functions->C_GetAttributeValue, session, object, &query,
       CK_ULONG{1});
  value.resize(query.ulValueLen);
  return value;
}

std::string textOf(const std::optional<Bytes>& value) {
  return value ? std::string(value->begin(), value->end()) : std::string();
}

template <typename Value>
std::optional<Value> scalarOf(const std::optional<Bytes>& bytes) {
  if (!bytes || bytes->size() != sizeof(Value)) return std::nullopt;
  Value value{};
  std::copy(bytes->begin(), bytes->end(), reinterpret_cast<unsigned char*>(&value));
  return value;
}

KeyKind keyKindOf(std::optional<CK_KEY_TYPE> type) {
  if (type == CKK_RSA) return KeyKind::Rsa;
  if (type == CKK_EC) return KeyKind::Ec;
  return KeyKind::Other;
}

}  // namespace

Session::Session(std::shared_ptr<const Module::Api> api, unsigned long slotId, unsigned long handle)
    : api_(std::move(api)), slotId_(slotId), handle_(handle) {}

Session::~Session() {
  logout();
  CallMark mark(*api_, "C_CloseSession");
  api_->functions->C_CloseSession(handle_);
}

std::vector<CertificateObject> Session::certificates() const {
  CK_OBJECT_CLASS objectClass = CKO_CERTIFICATE;
  CK_CERTIFICATE_TYPE certificateType = CKC_X_509;
  std::vector<CertificateObject> certificates;
  for (CK_OBJECT_HANDLE object :
       findObjects(*api_, handle_,
                   {{CKA_CLASS, &objectClass, sizeof objectClass},
                    {CKA_CERTIFICATE_TYPE, &certificateType, sizeof certificateType}})) {
    std::optional<Bytes> der = attribute(*api_, handle_, object, CKA_VALUE);
    if (!der || der->empty()) continue;
    certificates.push_back({attribute(*api_, handle_, object, CKA_ID).value_or(Bytes{}),
                            textOf(attribute(*api_, handle_, object, CKA_LABEL)), std::move(*der)});
  }
  return certificates;
}

std::vector<PrivateKeyObject> Session::privateKeys() const {
  CK_OBJECT_CLASS objectClass = CKO_PRIVATE_KEY;
  std::vector<PrivateKeyObject> keys;
  for (CK_OBJECT_HANDLE object :
       findObjects(*api_, handle_, {{CKA_CLASS, &objectClass, sizeof objectClass}})) {
    PrivateKeyObject key;
    key.id = attribute(*api_, handle_, object, CKA_ID).value_or(Bytes{});
    key.label = textOf(attribute(*api_, handle_, object, CKA_LABEL));
    key.kind = keyKindOf(scalarOf<CK_KEY_TYPE>(attribute(*api_, handle_, object, CKA_KEY_TYPE)));
    key.canSign = scalarOf<CK_BBOOL>(attribute(*api_, handle_, object, CKA_SIGN)) == CK_TRUE;
    keys.push_back(std::move(key));
  }
  return keys;
}

void Session::login(const SecretBytes& pin) {
  // Being logged in belongs to the application, not to one session: a login
  // left by an earlier session would make C_Login answer "already logged in"
  // without looking at this PIN. Log out first, so the token checks it.
  {
    CallMark mark(*api_, "C_Logout");
    api_->functions->C_Logout(handle_);  // CKR_USER_NOT_LOGGED_IN when nobody was
  }
  loggedIn_ = false;
  CK_RV rv = CKR_OK;
  {
    CallMark mark(*api_, "C_Login");
    // PKCS#11 takes the PIN as non-const bytes; modules do not write to it.
    rv = api_->functions->C_Login(handle_, CKU_USER, const_cast<unsigned char*>(pin.view().data()),
                                  static_cast<CK_ULONG>(pin.size()));
  }
  if (rv == CKR_OK) {
    loggedIn_ = true;
    return;
  }
  if (rv == CKR_USER_ALREADY_LOGGED_IN) {
    throw Error(Errc::Pkcs11ModuleFailed,
                "the token stays logged in after C_Logout, so it did not check the PIN (PKCS#11 "
                "module " +
                    api_->path + ")",
                "Close the other programs using the card, remove it and insert it again.");
  }
  if (rv == CKR_PIN_INCORRECT) {
    CK_TOKEN_INFO info{};
    int triesLeft = -1;  // unknown when the token does not answer any more
    {
      CallMark mark(*api_, "C_GetTokenInfo");
      if (api_->functions->C_GetTokenInfo(slotId_, &info) == CKR_OK) {
        const TokenInfo token = tokenInfoOf(info);
        triesLeft = pinStatusOf(token).triesLeft;
        if (token.pinLocked) {
          throw PinError(Errc::PinBlocked, 0, "wrong PIN: the card's PIN is now blocked",
                         "Unblock the PIN with the card's PUK or ask the card's issuer.");
        }
      }
    }
    throw PinError(Errc::PinIncorrect, triesLeft, "wrong PIN (PKCS#11 token)");
  }
  throwFailure(*api_, "C_Login", rv);
}

void Session::logout() noexcept {
  if (!loggedIn_) return;
  loggedIn_ = false;
  CallMark mark(*api_, "C_Logout");
  api_->functions->C_Logout(handle_);
}

Bytes Session::sign(ByteView keyId, SignatureScheme scheme, ByteView digest) const {
  if (digest.size() != kSha256Size) {
    throw Error(Errc::BadRequest,
                "a SHA-256 digest has 32 bytes, not " + std::to_string(digest.size()));
  }
  CK_OBJECT_CLASS objectClass = CKO_PRIVATE_KEY;
  Bytes id(keyId.begin(), keyId.end());
  const auto keys =
      findObjects(*api_, handle_,
                  {{CKA_CLASS, &objectClass, sizeof objectClass}, {CKA_ID, id.data(), id.size()}});
  if (keys.empty()) {
    if (!loggedIn_) throw Error(Errc::PinRequired, "the token shows its keys after the PIN only");
    throw Error(Errc::CardDataInvalid,
                "the token holds no private key with the CKA_ID of its authentication certificate",
                "Name the key with practitioner_pkcs11.key_id (hcbridge doctor lists the token's "
                "objects).");
  }
  const KeyKind kind =
      keyKindOf(scalarOf<CK_KEY_TYPE>(attribute(*api_, handle_, keys.front(), CKA_KEY_TYPE)));
  const bool ecdsa = scheme == SignatureScheme::EcdsaSha256;
  if ((ecdsa && kind != KeyKind::Ec) || (!ecdsa && kind != KeyKind::Rsa)) {
    throw Error(Errc::OperationUnsupported,
                "the token's authentication key is not of the kind its certificate announces",
                "Check the token's objects with hcbridge doctor.");
  }
  Bytes input;
  CK_RSA_PKCS_PSS_PARAMS pss{CKM_SHA256, CKG_MGF1_SHA256, kSha256Size};
  CK_MECHANISM mechanism{CKM_RSA_PKCS, nullptr, 0};
  switch (scheme) {
    case SignatureScheme::RsaPkcs1Sha256:
      input.assign(kSha256DigestInfoPrefix.begin(), kSha256DigestInfoPrefix.end());
      input.insert(input.end(), digest.begin(), digest.end());
      break;
    case SignatureScheme::RsaPssSha256:
      mechanism = {CKM_RSA_PKCS_PSS, &pss, sizeof pss};
      input.assign(digest.begin(), digest.end());
      break;
    case SignatureScheme::EcdsaSha256:
      mechanism = {CKM_ECDSA, nullptr, 0};
      input.assign(digest.begin(), digest.end());
      break;
  }
  call(*api_, "C_SignInit", api_->functions->C_SignInit, handle_, &mechanism, keys.front());
  // One call with room for any signature: asking for the length first would
  // make some cards sign twice.
  Bytes signature(kMaxSignatureSize);
  CK_ULONG length = signature.size();
  call(*api_, "C_Sign", api_->functions->C_Sign, handle_, input.data(),
       static_cast<CK_ULONG>(input.size()), signature.data(), &length);
  signature.resize(length);
  return signature;
}

}  // namespace hcbridge::pkcs11
