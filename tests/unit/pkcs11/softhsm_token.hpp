// A SoftHSM2 token made for one test by tests/support/softhsm-token.sh: a
// fresh token store in a temporary folder, SOFTHSM2_CONF pointing at it (set
// before Module::load, as SoftHSM2 reads it in C_Initialize; children such as
// `hcbridge doctor` inherit it), one TEST key and its certificate (CKA_ID 01).
#pragma once

#include <filesystem>
#include <string>

#include "hcbridge/bytes.hpp"
#include "support/temp_dir.hpp"

namespace hcbridge::testing {

inline constexpr const char* kSoftHsmModule = "/usr/lib/softhsm/libsofthsm2.so";
inline constexpr const char* kTestPin = "1234";  // the script's default user PIN
inline const Bytes kTestKeyId{0x01};             // the script's CKA_ID

class SoftHsmToken {
 public:
  // `fixture` names a key pair of tests/pki/fixtures: "cps-demo-auth" (RSA
  // 2048) or "cps-ec-auth" (EC P-256). Fails the test when the script fails.
  SoftHsmToken(const std::string& label, const std::string& fixture);

  const std::string& label() const { return label_; }
  const Bytes& certificateDer() const { return certificateDer_; }
  const std::filesystem::path& folder() const { return dir_.path(); }

  // Sets CKF_USER_PIN_LOCKED in the token's stored flags. SoftHSM2 2.6 never
  // locks a PIN itself (a wrong PIN only sets CKF_USER_PIN_COUNT_LOW, however
  // often it is entered), so a locked token is made by editing its
  // token.object. Call it with no module loaded: SoftHSM2 reads the flags at
  // C_Initialize.
  void markUserPinLocked();

 private:
  TempDir dir_;
  std::string label_;
  Bytes certificateDer_;
};

}  // namespace hcbridge::testing
