#include "egk_cvc.hpp"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>

#include <optional>

#include "hcbridge/base/openssl_handle.hpp"
#include "hcbridge/error.hpp"

namespace hcbridge::drivers::egk {
namespace {

// Card CVCs are about 220 bytes; nothing in one needs more than a 2-byte length.
constexpr std::size_t kMaxLengthBytes = 2;
constexpr std::size_t kDateSize = 6;
constexpr std::size_t kMaxSignature = 2 * 66;  // r||s on a 521-bit curve
constexpr std::size_t kMaxPoint = 1 + 2 * 66;
constexpr std::size_t kBrainpoolP256Point = 65;

[[noreturn]] void invalid(std::string_view fileName, const std::string& detail) {
  throw Error(Errc::CardDataInvalid, std::string(fileName) + ": " + detail,
              "The card's CV certificate is not what a German health card should hold. If the "
              "card works elsewhere, report it with the output of 'hcbridge readers --json'.");
}

std::string tagText(std::uint16_t tag) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string text;
  if (tag > 0xFF) {
    text += kHex[(tag >> 12) & 0xF];
    text += kHex[(tag >> 8) & 0xF];
  }
  text += kHex[(tag >> 4) & 0xF];
  text += kHex[tag & 0xF];
  return text;
}

// One BER-TLV object: its tag (1 or 2 bytes), its content, and the whole
// encoding (header + content) as a view into the input.
struct Object {
  std::uint16_t tag = 0;
  ByteView value;
  ByteView whole;
};

// Reads consecutive objects from a byte range, never past its end.
class Reader {
 public:
  Reader(ByteView input, std::string_view fileName) : input_(input), fileName_(fileName) {}

  bool atEnd() const { return pos_ == input_.size(); }

  // The next object; with `expected`, its tag is checked before its length,
  // so a file of another kind is named as such rather than as truncated.
  Object next(std::optional<std::uint16_t> expected = std::nullopt) {
    const std::size_t start = pos_;
    Object object;
    object.tag = byte("a tag");
    if ((object.tag & 0x1F) == 0x1F) {
      const std::uint8_t second = byte("a tag");
      if ((second & 0x80) != 0) invalid(fileName_, "tag longer than 2 bytes");
      object.tag = static_cast<std::uint16_t>((object.tag << 8) | second);
    }
    if (expected && object.tag != *expected) {
      invalid(fileName_,
              "expected tag " + tagText(*expected) + ", found tag " + tagText(object.tag) +
                  (object.tag == 0x30 ? " (an X.509 certificate, not a CV certificate?)" : ""));
    }
    std::size_t length = byte("a length");
    if (length == 0x80) invalid(fileName_, "indefinite length in tag " + tagText(object.tag));
    if (length > 0x80) {
      const std::size_t count = length & 0x7F;
      if (count > kMaxLengthBytes) {
        invalid(fileName_, "length of tag " + tagText(object.tag) + " is too long");
      }
      length = 0;
      for (std::size_t i = 0; i < count; ++i) length = (length << 8) | byte("a length");
    }
    if (length > input_.size() - pos_) {
      invalid(fileName_, "tag " + tagText(object.tag) + " declares " + std::to_string(length) +
                             " bytes, only " + std::to_string(input_.size() - pos_) + " follow");
    }
    object.value = input_.subspan(pos_, length);
    pos_ += length;
    object.whole = input_.subspan(start, pos_ - start);
    return object;
  }

  // The next object, which must have `tag`.
  Object expect(std::uint16_t tag) {
    if (atEnd()) invalid(fileName_, "tag " + tagText(tag) + " is missing");
    return next(tag);
  }

  void expectEnd(std::string_view where) {
    if (!atEnd()) invalid(fileName_, "unexpected bytes after " + std::string(where));
  }

 private:
  std::uint8_t byte(std::string_view what) {
    if (pos_ >= input_.size()) invalid(fileName_, "ends inside " + std::string(what));
    return input_[pos_++];
  }

  ByteView input_;
  std::string_view fileName_;
  std::size_t pos_ = 0;
};

Bytes copy(ByteView view) {
  return Bytes(view.begin(), view.end());
}

std::string date(const Object& object, std::string_view fileName) {
  if (object.value.size() != kDateSize) {
    invalid(fileName, "date in tag " + tagText(object.tag) + " has " +
                          std::to_string(object.value.size()) + " bytes, not 6");
  }
  std::string text;
  for (const std::uint8_t digit : object.value) {
    if (digit > 9) invalid(fileName, "date in tag " + tagText(object.tag) + " is not 6 digits");
    text += static_cast<char>('0' + digit);
  }
  return text;
}

void checkSize(const Object& object, std::size_t min, std::size_t max, std::string_view fileName) {
  if (object.value.size() < min || object.value.size() > max) {
    invalid(fileName, "tag " + tagText(object.tag) + " has " + std::to_string(object.value.size()) +
                          " bytes");
  }
}

}  // namespace

CvCertificate parseCvCertificate(ByteView der, std::string_view fileName) {
  Reader file(der, fileName);
  const Object certificate = file.expect(0x7F21);
  file.expectEnd("the CV certificate");

  Reader outer(certificate.value, fileName);
  const Object body = outer.expect(0x7F4E);
  const Object signature = outer.expect(0x5F37);
  outer.expectEnd("the signature");
  checkSize(signature, 2, kMaxSignature, fileName);
  if (signature.value.size() % 2 != 0) invalid(fileName, "the signature r||s has an odd size");

  CvCertificate result;
  result.body = copy(body.whole);
  result.signature = copy(signature.value);

  // The body's fields come in this order in gemSpec_PKI's CV certificates.
  Reader fields(body.value, fileName);
  const Object profile = fields.expect(0x5F29);
  checkSize(profile, 1, 1, fileName);
  result.profileIdentifier = profile.value[0];
  const Object car = fields.expect(0x42);
  checkSize(car, 1, 16, fileName);
  result.authorityReference = copy(car.value);

  const Object publicKey = fields.expect(0x7F49);
  Reader key(publicKey.value, fileName);
  const Object oid = key.expect(0x06);
  checkSize(oid, 1, 32, fileName);
  const Object point = key.expect(0x86);
  key.expectEnd("the public point");
  checkSize(point, 3, kMaxPoint, fileName);
  if (point.value[0] != 0x04 || point.value.size() % 2 == 0) {
    invalid(fileName, "the public key is not an uncompressed point (04 || X || Y)");
  }
  result.publicKeyOid = copy(oid.value);
  result.publicPoint = copy(point.value);

  const Object chr = fields.expect(0x5F20);
  checkSize(chr, 1, 16, fileName);
  result.holderReference = copy(chr.value);
  const Object chat = fields.expect(0x7F4C);
  result.holderAuthorization = copy(chat.value);
  result.effectiveDate = date(fields.expect(0x5F25), fileName);
  result.expiryDate = date(fields.expect(0x5F24), fileName);
  fields.expectEnd("the expiry date");
  return result;
}

Bytes brainpoolP256r1PublicKeyInfo(ByteView point, std::string_view fileName) {
  if (point.size() != kBrainpoolP256Point || point[0] != 0x04) {
    invalid(fileName, "the public key is not a 256-bit uncompressed point");
  }
  base::OsslParamBldHandle build(OSSL_PARAM_BLD_new());
  base::OsslParamHandle params;
  if (build &&
      OSSL_PARAM_BLD_push_utf8_string(build.get(), OSSL_PKEY_PARAM_GROUP_NAME, "brainpoolP256r1",
                                      0) == 1 &&
      OSSL_PARAM_BLD_push_octet_string(build.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                       point.size()) == 1) {
    params.reset(OSSL_PARAM_BLD_to_param(build.get()));
  }
  if (!params) throw Error(Errc::Internal, "OpenSSL: cannot build EC key parameters");
  base::EvpPkeyCtxHandle ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  EVP_PKEY* raw = nullptr;
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    ERR_clear_error();
    invalid(fileName, "the public key is not a point on brainpoolP256r1");
  }
  base::EvpPkeyHandle key(raw);
  // EVP_PKEY_fromdata does not check that the point is on the curve.
  base::EvpPkeyCtxHandle check(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  if (!check || EVP_PKEY_public_check(check.get()) != 1) {
    ERR_clear_error();
    invalid(fileName, "the public key is not a point on brainpoolP256r1");
  }
  unsigned char* der = nullptr;
  const int length = i2d_PUBKEY(key.get(), &der);
  if (length <= 0) {
    ERR_clear_error();
    throw Error(Errc::Internal, "OpenSSL: cannot encode a public key");
  }
  Bytes info(der, der + length);
  OPENSSL_free(der);
  return info;
}

}  // namespace hcbridge::drivers::egk
