// How a card signs a digest: shared by the drivers (which make the card
// sign) and src/auth (which checks what the card returned), so it sits in
// the lowest layer both link.
#pragma once

namespace hcbridge {

enum class SignatureScheme {
  RsaPkcs1Sha256,  // input: SHA-256 hash; the driver builds the DigestInfo if the card needs it
  EcdsaSha256,     // input: SHA-256 hash; output: plain r||s
  RsaPssSha256,    // input: SHA-256 hash; MGF1-SHA-256, 32-byte salt (PKCS#11 tokens only)
};

}  // namespace hcbridge
