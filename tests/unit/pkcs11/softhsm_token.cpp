#include "softhsm_token.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

#include "child_process.hpp"

namespace hcbridge::testing {
namespace {

namespace fs = std::filesystem;

// SoftHSM2's token.object stores each attribute as three big-endian 64-bit
// words (type, kind, length or value). The token flags are its private
// attribute CKA_OS_TOKENFLAGS (0x8000534b), of kind 2 (an unsigned long).
const std::string kTokenFlagsHeader("\0\0\0\0\x80\0\x53\x4b\0\0\0\0\0\0\0\x02", 16);
constexpr unsigned long kUserPinLocked = 0x00040000;  // CKF_USER_PIN_LOCKED

}  // namespace

SoftHsmToken::SoftHsmToken(const std::string& label, const std::string& fixture) : label_(label) {
  const std::string pki = HCBRIDGE_PKI_DIR;
  const auto result =
      runProcess({HCBRIDGE_SOFTHSM_TOKEN_SCRIPT, dir_.path().string(), label,
                  pki + "/" + fixture + ".key.pem", pki + "/" + fixture + ".cert.der"},
                 std::chrono::seconds(30));
  const std::string prefix = "SOFTHSM2_CONF=";
  if (result.exitCode != 0 || result.out.rfind(prefix, 0) != 0) {
    ADD_FAILURE() << "softhsm-token.sh failed (" << result.exitCode << "): " << result.out
                  << result.err;
    return;
  }
  std::string conf = result.out.substr(prefix.size());
  conf.erase(conf.find_last_not_of('\n') + 1);
  EXPECT_EQ(conf, (dir_.path() / "softhsm2.conf").string());
  ::setenv("SOFTHSM2_CONF", conf.c_str(), 1);
  const std::string der = readFile(pki + "/" + fixture + ".cert.der");
  certificateDer_.assign(der.begin(), der.end());
}

void SoftHsmToken::markUserPinLocked() {
  for (const auto& entry : fs::recursive_directory_iterator(dir_.path() / "tokens")) {
    if (entry.path().filename() != "token.object") continue;
    std::string data = readFile(entry.path());
    const std::size_t at = data.find(kTokenFlagsHeader);
    ASSERT_NE(at, std::string::npos)
        << "no token flags in " << entry.path() << ": has SoftHSM2's file format changed?";
    const std::size_t value = at + kTokenFlagsHeader.size();
    ASSERT_LE(value + 8, data.size());
    // The flags' value: a big-endian word after the header; the locked bit is in byte 5 of 8.
    data[value + 5] = static_cast<char>(data[value + 5] | ((kUserPinLocked >> 16) & 0xff));
    writeFile(entry.path(), data);
    return;
  }
  ADD_FAILURE() << "no token.object under " << dir_.path() / "tokens";
}

}  // namespace hcbridge::testing
