// Cryptography of the simulated card (OpenSSL 3 EVP only): key loading,
// GET CHALLENGE, MANAGE SECURITY ENVIRONMENT and signatures.
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include <climits>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "card_state.hpp"
#include "hcbridge/base/openssl_handle.hpp"
#include "hcbridge/error.hpp"
#include "hcbridge/tlv.hpp"

namespace hcbridge::sim::detail {
namespace {

// Never ask for a pass phrase: encrypted keys are simply rejected.
int noPassphrase(char* /*buf*/, int /*size*/, int /*rwflag*/, void* /*userdata*/) {
  return 0;
}

constexpr std::size_t kMaxEcInput = 64;  // SHA-512

// Signs with the key's default scheme; std::nullopt on failure.
std::optional<Bytes> pkeySign(EVP_PKEY* key, ByteView input, bool rsaPkcs1) {
  base::EvpPkeyCtxHandle ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
  if (!ctx || EVP_PKEY_sign_init(ctx.get()) <= 0) return std::nullopt;
  // No digest set: the input is signed as given. For RSA that is PKCS#1 v1.5
  // type-1 padding of the input (the DigestInfo) and the raw private operation.
  if (rsaPkcs1 && EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) <= 0) {
    return std::nullopt;
  }
  std::size_t length = 0;
  if (EVP_PKEY_sign(ctx.get(), nullptr, &length, input.data(), input.size()) <= 0) {
    return std::nullopt;
  }
  Bytes signature(length);
  if (EVP_PKEY_sign(ctx.get(), signature.data(), &length, input.data(), input.size()) <= 0) {
    return std::nullopt;
  }
  signature.resize(length);
  return signature;
}

// RSASSA-PSS over a SHA-256 hash, salt as long as the hash (gematik signPSS).
std::optional<Bytes> pssSign(EVP_PKEY* key, ByteView hash) {
  base::EvpPkeyCtxHandle ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
  if (!ctx || EVP_PKEY_sign_init(ctx.get()) <= 0 ||
      EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PSS_PADDING) <= 0 ||
      EVP_PKEY_CTX_set_signature_md(ctx.get(), EVP_sha256()) <= 0 ||
      EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx.get(), 32) <= 0) {
    return std::nullopt;
  }
  std::size_t length = 0;
  if (EVP_PKEY_sign(ctx.get(), nullptr, &length, hash.data(), hash.size()) <= 0) {
    return std::nullopt;
  }
  Bytes signature(length);
  if (EVP_PKEY_sign(ctx.get(), signature.data(), &length, hash.data(), hash.size()) <= 0) {
    return std::nullopt;
  }
  signature.resize(length);
  return signature;
}

// ECDSA DER (SEQUENCE { r, s }) -> plain r || s, each the size of the order.
std::optional<Bytes> derToPlain(const Bytes& der, std::size_t half) {
  const unsigned char* cursor = der.data();
  base::EcdsaSigHandle sig(d2i_ECDSA_SIG(nullptr, &cursor, static_cast<long>(der.size())));
  if (!sig) return std::nullopt;
  const BIGNUM* r = ECDSA_SIG_get0_r(sig.get());
  const BIGNUM* s = ECDSA_SIG_get0_s(sig.get());
  Bytes plain(2 * half);
  if (BN_bn2binpad(r, plain.data(), static_cast<int>(half)) < 0 ||
      BN_bn2binpad(s, plain.data() + half, static_cast<int>(half)) < 0) {
    return std::nullopt;
  }
  return plain;
}

}  // namespace

base::EvpPkeyHandle parsePrivateKeyPem(std::string_view pem) {
  // Parsing an RSA key costs milliseconds and every Card of a profile parses
  // the same PEM again, so a few parsed keys are kept. EVP_PKEY is reference
  // counted and safe to share between threads for signing. Deliberately never
  // freed: it must outlive OpenSSL's own cleanup at exit.
  struct Cache {
    std::mutex mutex;
    std::vector<std::pair<std::string, base::EvpPkeyHandle>> keys;
  };
  static Cache* const cache = new Cache;
  constexpr std::size_t kCacheSize = 32;  // a gematik image has up to 12 keys
  const auto shareKey = [](EVP_PKEY* key) {
    EVP_PKEY_up_ref(key);
    return base::EvpPkeyHandle(key);
  };
  {
    std::lock_guard lock(cache->mutex);
    for (const auto& [text, key] : cache->keys) {
      if (text == pem) return shareKey(key.get());
    }
  }
  if (pem.empty() || pem.size() > INT_MAX) return nullptr;
  base::BioHandle bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return nullptr;
  base::EvpPkeyHandle key(PEM_read_bio_PrivateKey(bio.get(), nullptr, noPassphrase, nullptr));
  ERR_clear_error();
  if (!key || !(EVP_PKEY_is_a(key.get(), "RSA") || EVP_PKEY_is_a(key.get(), "EC"))) return nullptr;
  std::lock_guard lock(cache->mutex);
  if (cache->keys.size() >= kCacheSize) cache->keys.erase(cache->keys.begin());
  cache->keys.emplace_back(std::string(pem), shareKey(key.get()));
  return key;
}

Result getChallenge(const apdu::CommandApdu& command) {
  if (command.p1 != 0 || command.p2 != 0) return status(sw::kWrongP1P2);
  if (!command.data.empty() || !command.ne || *command.ne > apdu::kShortMaxNe) {
    return status(sw::kWrongLength);
  }
  Bytes challenge(*command.ne);
  if (RAND_bytes(challenge.data(), static_cast<int>(challenge.size())) != 1) {
    ERR_clear_error();
    return status(sw::kNoDiagnosis);
  }
  return Result{std::move(challenge), sw::kOk, false};
}

Result manageSecurityEnvironment(CardState& state, const apdu::CommandApdu& command) {
  if (command.p1 == 0xF3) {  // RESTORE: back to the default (no key chosen)
    if (!command.data.empty()) return status(sw::kWrongLength);
    state.mseKey.reset();
    return status(sw::kOk);
  }
  // SET for computation (41), for verification (81) or both (C1).
  if (command.p1 != 0x41 && command.p1 != 0x81 && command.p1 != 0xC1) {
    return status(sw::kWrongP1P2);
  }
  // Control reference templates: authentication, digital signature, confidentiality.
  if (command.p2 != 0xA4 && command.p2 != 0xB6 && command.p2 != 0xB8) {
    return status(sw::kWrongP1P2);
  }
  std::vector<tlv::Node> objects;
  try {
    objects = tlv::parse(command.data);
  } catch (const Error&) {
    return status(sw::kWrongData);
  }
  const tlv::Node* keyRef = nullptr;
  const tlv::Node* algorithm = nullptr;
  for (const auto& object : objects) {
    if ((object.tag == 0x84 || object.tag == 0x83) && keyRef == nullptr) keyRef = &object;
    if (object.tag == 0x80 && algorithm == nullptr) algorithm = &object;
  }
  if (keyRef == nullptr) return status(sw::kOk);  // algorithm only: key stays as it was
  if (keyRef->value.size() != 1) return status(sw::kReferenceNotFound);
  const auto key = state.findKey(keyRef->value[0]);
  if (!key) return status(sw::kReferenceNotFound);
  state.mseKey = key;
  state.mseTemplate = command.p2;
  state.mseAlgorithm.reset();
  if (algorithm != nullptr && algorithm->value.size() == 1)
    state.mseAlgorithm = algorithm->value[0];
  return status(sw::kOk);
}

Result computeSignature(CardState& state, const apdu::CommandApdu& command) {
  if (command.data.empty()) return status(sw::kWrongLength);
  if (!state.mseKey || *state.mseKey >= state.keys.size()) {
    return status(sw::kConditionsNotSatisfied);
  }
  const LoadedKey& key = state.keys[*state.mseKey];
  // A DF-specific key is usable only while its DF is current.
  if (!state.inScope(key.dfAid)) return status(sw::kConditionsNotSatisfied);
  const bool internalAuthenticate = command.ins == 0x88;
  const AccessRule& rule = internalAuthenticate && key.authenticate ? *key.authenticate : key.use;
  if (!accessAllowed(state, rule)) return status(sw::kSecurityNotSatisfied);

  EVP_PKEY* pkey = key.pkey.get();
  std::optional<Bytes> signature;
  if (EVP_PKEY_is_a(pkey, "RSA")) {
    // signPSS (algorithm 05 for a digital signature): the input is a SHA-256 hash.
    const bool pss = !internalAuthenticate && state.mseTemplate == 0xB6 &&
                     state.mseAlgorithm == std::uint8_t{0x05};
    if (pss) {
      if (command.data.size() != 32) return status(sw::kWrongLength);
      signature = pssSign(pkey, command.data);
    } else {
      const auto modulusBytes = static_cast<std::size_t>(EVP_PKEY_get_size(pkey));
      if (command.data.size() + 11 > modulusBytes) return status(sw::kWrongLength);
      signature = pkeySign(pkey, command.data, true);
    }
  } else {
    if (command.data.size() > kMaxEcInput) return status(sw::kWrongLength);
    const auto half = static_cast<std::size_t>((EVP_PKEY_get_bits(pkey) + 7) / 8);
    if (auto der = pkeySign(pkey, command.data, false)) signature = derToPlain(*der, half);
  }
  if (!signature) {
    ERR_clear_error();
    return status(sw::kNoDiagnosis);
  }
  return Result{std::move(*signature), sw::kOk, true};
}

}  // namespace hcbridge::sim::detail
