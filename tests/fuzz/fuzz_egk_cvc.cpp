// The eGK's CV-certificate parser on arbitrary bytes (seeds: the CVCs of the
// gematik eGK images, and the X.509 body EGK_G2_1_ecc.xml wrongly holds in
// EF.C.eGK.AUT_CVC.E256). Only Error(CardDataInvalid) may come out, and what
// is accepted must hold together.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "egk_cvc.hpp"
#include "hcbridge/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace hcbridge;
  const ByteView input(data, size);
  try {
    const drivers::egk::CvCertificate cvc = drivers::egk::parseCvCertificate(input, "EF.CVC");
    if (cvc.body.size() >= size || cvc.publicPoint.empty() || cvc.publicPoint[0] != 0x04 ||
        cvc.effectiveDate.size() != 6 || cvc.expiryDate.size() != 6 || cvc.signature.empty()) {
      std::abort();
    }
    // The point goes on to OpenSSL: any point, on the curve or not, is safe.
    const Bytes info = drivers::egk::brainpoolP256r1PublicKeyInfo(cvc.publicPoint, "EF.CVC");
    if (info.empty()) std::abort();
  } catch (const Error& e) {
    if (e.code() != Errc::CardDataInvalid) std::abort();
  }
  return 0;
}
