// One deleter template for every OpenSSL type.
#include "hcbridge/base/openssl_handle.hpp"

#include <gtest/gtest.h>

#include <type_traits>

namespace hcbridge::base {
namespace {

int freedCount = 0;
void countingFree(int* value) {
  ++freedCount;
  delete value;
}

// No state in the deleter: a handle is as small as the pointer it owns.
static_assert(sizeof(X509Handle) == sizeof(X509*));
static_assert(sizeof(OpenSslHandle<int, countingFree>) == sizeof(int*));
static_assert(std::is_same_v<X509Handle, std::unique_ptr<X509, OpenSslFree<X509_free>>>);

TEST(OpenSslHandleTest, FreesOnceWithItsFunctionAndNeverNull) {
  freedCount = 0;
  {
    OpenSslHandle<int, countingFree> empty;
    OpenSslHandle<int, countingFree> value(new int(7));
    OpenSslHandle<int, countingFree> moved = std::move(value);
    EXPECT_EQ(*moved, 7);
    EXPECT_EQ(freedCount, 0);
  }
  EXPECT_EQ(freedCount, 1);
  OpenSslHandle<int, countingFree> reset(new int(1));
  reset.reset(new int(2));
  EXPECT_EQ(freedCount, 2);
  reset.reset();
  EXPECT_EQ(freedCount, 3);
}

TEST(OpenSslHandleTest, OwnsOpenSslObjects) {
  EvpPkeyHandle key(EVP_EC_gen("P-256"));
  ASSERT_TRUE(key);
  EvpPkeyCtxHandle context(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  ASSERT_TRUE(context);
  EvpMdCtxHandle digest(EVP_MD_CTX_new());
  ASSERT_TRUE(digest);
  BioHandle bio(BIO_new(BIO_s_mem()));
  ASSERT_TRUE(bio);
  EXPECT_EQ(BIO_write(bio.get(), "abc", 3), 3);
  SecretBignumHandle secret(BN_new());
  ASSERT_TRUE(secret);
  EXPECT_EQ(BN_set_word(secret.get(), 42), 1);
}

TEST(OpenSslHandleTest, OwningStackFreesItsCertificatesBorrowedStackDoesNot) {
  X509Handle kept(X509_new());
  ASSERT_TRUE(kept);
  {
    BorrowedX509Stack borrowed(sk_X509_new_null());
    ASSERT_TRUE(borrowed);
    ASSERT_GT(sk_X509_push(borrowed.get(), kept.get()), 0);
  }
  // Still ours: setting a field of a freed certificate would be a
  // use-after-free (the sanitizer build would report it).
  EXPECT_EQ(X509_set_version(kept.get(), 2), 1);

  X509StackHandle owning(sk_X509_new_null());
  ASSERT_TRUE(owning);
  X509* added = X509_new();
  ASSERT_NE(added, nullptr);
  ASSERT_GT(sk_X509_push(owning.get(), added), 0);
  EXPECT_EQ(sk_X509_num(owning.get()), 1);  // freed with the stack (a leak otherwise)
}

}  // namespace
}  // namespace hcbridge::base
