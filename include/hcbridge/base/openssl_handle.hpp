// Owning handles for OpenSSL objects: one deleter template instead of a
// hand-written deleter struct per type and file.
//
//   base::X509Handle certificate(d2i_X509(...));
//   base::OpenSslHandle<FOO, FOO_free> foo(FOO_new());  // a type without an alias
#pragma once

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/params.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

namespace hcbridge::base {

// Calls FreeFunction (X509_free, EVP_PKEY_free, ...) on a non-null pointer.
// The OpenSSL free functions accept null, but unique_ptr never passes it.
template <auto FreeFunction>
struct OpenSslFree {
  template <typename T>
  void operator()(T* object) const noexcept {
    FreeFunction(object);
  }
};

template <typename T, auto FreeFunction>
using OpenSslHandle = std::unique_ptr<T, OpenSslFree<FreeFunction>>;

// STACK_OF(...) free functions are static inline in the OpenSSL headers (one
// per translation unit); these have one address in the whole program.
inline void freeX509Stack(STACK_OF(X509) * stack) {
  sk_X509_free(stack);
}
inline void freeX509StackAndCertificates(STACK_OF(X509) * stack) {
  sk_X509_pop_free(stack, X509_free);
}
inline void freeX509CrlStack(STACK_OF(X509_CRL) * stack) {
  sk_X509_CRL_free(stack);
}

using X509Handle = OpenSslHandle<X509, X509_free>;
using X509CrlHandle = OpenSslHandle<X509_CRL, X509_CRL_free>;
using X509StoreHandle = OpenSslHandle<X509_STORE, X509_STORE_free>;
using X509StoreCtxHandle = OpenSslHandle<X509_STORE_CTX, X509_STORE_CTX_free>;
using EvpPkeyHandle = OpenSslHandle<EVP_PKEY, EVP_PKEY_free>;
using EvpPkeyCtxHandle = OpenSslHandle<EVP_PKEY_CTX, EVP_PKEY_CTX_free>;
using EvpMdCtxHandle = OpenSslHandle<EVP_MD_CTX, EVP_MD_CTX_free>;
using BioHandle = OpenSslHandle<BIO, BIO_free_all>;
using BignumHandle = OpenSslHandle<BIGNUM, BN_free>;
// For private key material: the number is zeroed before it is freed.
using SecretBignumHandle = OpenSslHandle<BIGNUM, BN_clear_free>;
using EcdsaSigHandle = OpenSslHandle<ECDSA_SIG, ECDSA_SIG_free>;
using EcGroupHandle = OpenSslHandle<EC_GROUP, EC_GROUP_free>;
using EcPointHandle = OpenSslHandle<EC_POINT, EC_POINT_free>;
using OsslParamHandle = OpenSslHandle<OSSL_PARAM, OSSL_PARAM_free>;
using OsslParamBldHandle = OpenSslHandle<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>;
using Asn1TimeHandle = OpenSslHandle<ASN1_TIME, ASN1_TIME_free>;
using AdmissionSyntaxHandle = OpenSslHandle<ADMISSION_SYNTAX, ADMISSION_SYNTAX_free>;

// A stack that owns its certificates (sk_X509_pop_free).
using X509StackHandle = OpenSslHandle<STACK_OF(X509), freeX509StackAndCertificates>;
// Stacks of borrowed pointers: freeing the stack leaves the elements alone.
using BorrowedX509Stack = OpenSslHandle<STACK_OF(X509), freeX509Stack>;
using BorrowedX509CrlStack = OpenSslHandle<STACK_OF(X509_CRL), freeX509CrlStack>;

}  // namespace hcbridge::base
