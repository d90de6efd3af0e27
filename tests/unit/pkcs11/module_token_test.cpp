// Slots, tokens, objects and the PIN through SoftHSM2: what hcbridge reads
// from a practitioner card's PKCS#11 module.
#include <gtest/gtest.h>

#include <algorithm>

#include "hcbridge/pkcs11/module.hpp"
#include "hcbridge_test/expect_error.hpp"
#include "softhsm_token.hpp"

namespace hcbridge::testing {
namespace {

using pkcs11::Module;
using pkcs11::SlotInfo;

// The slot holding the token labelled `label`; a test failure when none does.
SlotInfo slotOf(const Module& module, const std::string& label) {
  for (const auto& slot : module.slots()) {
    if (slot.token && slot.token->label == label) return slot;
  }
  ADD_FAILURE() << "no token labelled '" << label << "'";
  return {};
}

class Pkcs11Token : public ::testing::Test {
 protected:
  SoftHsmToken token_{"hcbridge TEST CPS", "cps-demo-auth"};
  std::unique_ptr<Module> module_ = Module::load(kSoftHsmModule);
};

TEST_F(Pkcs11Token, TheSlotShowsTheTokenWithItsLabelSerialAndFlags) {
  const auto slots = module_->slots();
  // SoftHSM2 shows the initialised token and one empty slot for the next.
  ASSERT_EQ(slots.size(), 2u);
  const SlotInfo slot = slotOf(*module_, token_.label());
  ASSERT_TRUE(slot.token);
  EXPECT_EQ(slot.description.rfind("SoftHSM slot ID", 0), 0u) << slot.description;
  EXPECT_EQ(slot.token->manufacturer, "SoftHSM project");
  EXPECT_EQ(slot.token->serialNumber.size(), 16u) << slot.token->serialNumber;
  EXPECT_TRUE(slot.token->loginRequired);
  EXPECT_TRUE(slot.token->userPinInitialized);
  EXPECT_FALSE(slot.token->protectedAuthenticationPath);
  EXPECT_FALSE(slot.token->pinCountLow || slot.token->pinFinalTry || slot.token->pinLocked);
  // One slot read by id says the same.
  EXPECT_EQ(module_->slot(slot.id).token->serialNumber, slot.token->serialNumber);
}

TEST_F(Pkcs11Token, AnUnknownSlotIdIsReaderNotFound) {
  expectError([&] { module_->slot(0x7ffffff0); }, Errc::ReaderNotFound);
}

TEST_F(Pkcs11Token, ASessionOnAnUnknownSlotIsReaderNotFound) {
  expectError([&] { module_->openSession(0x7ffffff0); }, Errc::ReaderNotFound);
}

TEST_F(Pkcs11Token, TheCertificateIsTheFixturesWithTheKeysId) {
  const auto session = module_->openSession(slotOf(*module_, token_.label()).id);
  const auto certificates = session->certificates();
  ASSERT_EQ(certificates.size(), 1u);
  EXPECT_EQ(certificates[0].der, token_.certificateDer());
  EXPECT_EQ(certificates[0].id, kTestKeyId);
  EXPECT_EQ(certificates[0].label, "TEST Certificat d'Authentification CPS");
}

TEST_F(Pkcs11Token, ThePrivateKeyShowsAfterLoginWithTheCertificatesId) {
  const auto session = module_->openSession(slotOf(*module_, token_.label()).id);
  EXPECT_TRUE(session->privateKeys().empty());  // CKA_PRIVATE: hidden before the PIN
  EXPECT_FALSE(session->loggedIn());
  session->login(SecretBytes(std::string_view(kTestPin)));
  EXPECT_TRUE(session->loggedIn());
  const auto keys = session->privateKeys();
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0].id, kTestKeyId);
  EXPECT_EQ(keys[0].label, "TEST CPS_PRIV_AUT");
  EXPECT_EQ(keys[0].kind, pkcs11::KeyKind::Rsa);
  EXPECT_TRUE(keys[0].canSign);
  session->logout();
  EXPECT_FALSE(session->loggedIn());
  EXPECT_TRUE(session->privateKeys().empty());
}

TEST_F(Pkcs11Token, AWrongPinIsPinIncorrectWithTheTriesTheFlagsLeave) {
  const unsigned long slotId = slotOf(*module_, token_.label()).id;
  const auto session = module_->openSession(slotId);
  try {
    session->login(SecretBytes(std::string_view("9999")));
    ADD_FAILURE() << "a wrong PIN logged in";
  } catch (const PinError& error) {
    EXPECT_EQ(error.code(), Errc::PinIncorrect) << error.what();
    // CKF_USER_PIN_COUNT_LOW on a card of 3 tries: 2 left.
    EXPECT_EQ(error.retriesLeft(), 2);
  }
  EXPECT_FALSE(session->loggedIn());
  const auto after = module_->slot(slotId).token;
  ASSERT_TRUE(after);
  EXPECT_TRUE(after->pinCountLow);
  EXPECT_FALSE(after->pinLocked);
  const PinStatus status = pkcs11::pinStatusOf(*after);
  EXPECT_EQ(status.triesLeft, 2);
  EXPECT_FALSE(status.blocked);
  // The right PIN still works and clears the flag (SoftHSM2 never locks by itself).
  session->login(SecretBytes(std::string_view(kTestPin)));
  EXPECT_FALSE(module_->slot(slotId).token->pinCountLow);
}

TEST_F(Pkcs11Token, AFreshTokensPinStatusIsFullAndRegular) {
  const PinStatus status = pkcs11::pinStatusOf(*slotOf(*module_, token_.label()).token);
  EXPECT_EQ(status.triesLeft, 3);
  EXPECT_EQ(status.maxTries, 3);
  EXPECT_FALSE(status.blocked);
  EXPECT_EQ(status.state, "regular");
}

// SoftHSM2 2.6 does not lock a PIN (20 wrong PINs leave only COUNT_LOW), so
// the token's stored flags are marked locked, as a card's module would show.
TEST(Pkcs11LockedToken, ALockedPinIsPinBlockedAndShowsInThePinStatus) {
  SoftHsmToken token("hcbridge TEST locked", "cps-demo-auth");
  token.markUserPinLocked();
  const auto module = Module::load(kSoftHsmModule);
  const SlotInfo slot = slotOf(*module, token.label());
  ASSERT_TRUE(slot.token);
  EXPECT_TRUE(slot.token->pinLocked);
  const PinStatus status = pkcs11::pinStatusOf(*slot.token);
  EXPECT_TRUE(status.blocked);
  EXPECT_EQ(status.triesLeft, 0);
  const auto session = module->openSession(slot.id);
  try {
    session->login(SecretBytes(std::string_view("9999")));
    ADD_FAILURE() << "a wrong PIN logged in";
  } catch (const PinError& error) {
    EXPECT_EQ(error.code(), Errc::PinBlocked) << error.what();
    EXPECT_EQ(error.retriesLeft(), 0);
    EXPECT_NE(error.hint().find("PUK"), std::string::npos) << error.hint();
  }
}

TEST(Pkcs11PinStatus, FlagsBecomeTriesOnACardOfThree) {
  pkcs11::TokenInfo token;
  token.userPinInitialized = true;
  EXPECT_EQ(pkcs11::pinStatusOf(token).triesLeft, 3);
  token.pinCountLow = true;
  EXPECT_EQ(pkcs11::pinStatusOf(token).triesLeft, 2);
  token.pinFinalTry = true;
  EXPECT_EQ(pkcs11::pinStatusOf(token).triesLeft, 1);
  token.pinLocked = true;
  EXPECT_EQ(pkcs11::pinStatusOf(token).triesLeft, 0);
  EXPECT_TRUE(pkcs11::pinStatusOf(token).blocked);
  EXPECT_EQ(pkcs11::pinStatusOf(pkcs11::TokenInfo{}).state, "empty-pin");
  EXPECT_EQ(pkcs11::pinStatusOf(pkcs11::TokenInfo{}, 5).triesLeft, 5);
}

}  // namespace
}  // namespace hcbridge::testing
