#include "gematik_keys.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/obj_mac.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include <vector>

namespace hcbridge::sim::gematik {
namespace {

base::SecretBignumHandle bignum(const Bytes& bytes) {
  return base::SecretBignumHandle(BN_bin2bn(bytes.data(), static_cast<int>(bytes.size()), nullptr));
}

base::EvpPkeyHandle keyFromParams(const char* type, OSSL_PARAM_BLD* builder) {
  base::OsslParamHandle params(OSSL_PARAM_BLD_to_param(builder));
  base::EvpPkeyCtxHandle ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* key = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) <= 0 ||
      EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_KEYPAIR, params.get()) <= 0) {
    return nullptr;
  }
  return base::EvpPkeyHandle(key);
}

}  // namespace

// n e d p q dP dQ c (c = q^-1 mod p) -> RSA key.
base::EvpPkeyHandle rsaKey(const std::array<Bytes, 8>& parts) {
  static constexpr const char* kNames[8] = {
      OSSL_PKEY_PARAM_RSA_N,         OSSL_PKEY_PARAM_RSA_E,           OSSL_PKEY_PARAM_RSA_D,
      OSSL_PKEY_PARAM_RSA_FACTOR1,   OSSL_PKEY_PARAM_RSA_FACTOR2,     OSSL_PKEY_PARAM_RSA_EXPONENT1,
      OSSL_PKEY_PARAM_RSA_EXPONENT2, OSSL_PKEY_PARAM_RSA_COEFFICIENT1};
  base::OsslParamBldHandle builder(OSSL_PARAM_BLD_new());
  if (!builder) return nullptr;
  std::vector<base::SecretBignumHandle> numbers;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (parts[i].empty()) return nullptr;
    numbers.push_back(bignum(parts[i]));
    if (!numbers.back() ||
        OSSL_PARAM_BLD_push_BN(builder.get(), kNames[i], numbers.back().get()) <= 0) {
      return nullptr;
    }
  }
  return keyFromParams("RSA", builder.get());
}

// Private scalar (+ public point 04||X||Y, computed when absent) -> EC key.
base::EvpPkeyHandle ecKey(const std::string& curve, const Bytes& scalar,
                          std::optional<Bytes> point) {
  const int nid = OBJ_txt2nid(curve.c_str());
  if (nid == NID_undef || scalar.empty()) return nullptr;
  const base::SecretBignumHandle privateKey = bignum(scalar);
  if (!privateKey) return nullptr;
  if (!point || point->empty()) {
    base::EcGroupHandle group(EC_GROUP_new_by_curve_name(nid));
    if (!group) return nullptr;
    base::EcPointHandle publicKey(EC_POINT_new(group.get()));
    if (!publicKey || EC_POINT_mul(group.get(), publicKey.get(), privateKey.get(), nullptr, nullptr,
                                   nullptr) != 1) {
      return nullptr;
    }
    const std::size_t size = EC_POINT_point2oct(group.get(), publicKey.get(),
                                                POINT_CONVERSION_UNCOMPRESSED, nullptr, 0, nullptr);
    point = Bytes(size);
    if (size == 0 || EC_POINT_point2oct(group.get(), publicKey.get(), POINT_CONVERSION_UNCOMPRESSED,
                                        point->data(), size, nullptr) != size) {
      return nullptr;
    }
  }
  base::OsslParamBldHandle builder(OSSL_PARAM_BLD_new());
  if (!builder ||
      OSSL_PARAM_BLD_push_utf8_string(builder.get(), OSSL_PKEY_PARAM_GROUP_NAME, OBJ_nid2sn(nid),
                                      0) <= 0 ||
      OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_PRIV_KEY, privateKey.get()) <= 0 ||
      OSSL_PARAM_BLD_push_octet_string(builder.get(), OSSL_PKEY_PARAM_PUB_KEY, point->data(),
                                       point->size()) <= 0) {
    return nullptr;
  }
  return keyFromParams("EC", builder.get());
}

std::string toPem(EVP_PKEY* key) {
  base::BioHandle bio(BIO_new(BIO_s_mem()));
  if (!bio ||
      PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return {};
  }
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  std::string pem(data, static_cast<std::size_t>(size));
  OPENSSL_cleanse(data, static_cast<std::size_t>(size));
  return pem;
}

}  // namespace hcbridge::sim::gematik
