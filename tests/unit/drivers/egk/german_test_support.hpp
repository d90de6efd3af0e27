// Helpers of the eGK and HBA driver tests: gematik images served by
// SimTransport, file lookup for corrupting images, signature checks.
#pragma once

#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <zlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>

#include "hcbridge/base/openssl_handle.hpp"
#include "hcbridge/error.hpp"
#include "hcbridge/sim/card.hpp"
#include "hcbridge/sim/gematik_image.hpp"
#include "hcbridge/sim/sim_transport.hpp"
#include "hcbridge_test/expect_error.hpp"

namespace hcbridge::testing {

inline const std::filesystem::path kGematikImages = HCBRIDGE_GEMATIK_IMAGES;

inline constexpr const char* kEgkEcc = "EGK_G2_1_ecc.xml";
inline constexpr const char* kEgkGuD = "EGK_G2_1_80276883110000095711_GuD.xml";
inline constexpr const char* kEgk17222 = "EGKG2_80276883110000017222_gema5.xml";
inline constexpr const char* kEgk17333 = "EGKG2_80276883110000017333_gema5.xml";
inline constexpr const char* kEgk218486 = "E021D-A5Tp_432_80276883110000218486.xml";
inline constexpr const char* kHbaG21 = "HBA_G2_1_80276883110000205690_gema5.xml";
inline constexpr const char* kHbaG2 = "HBAG2_80276883110000017289_gema5.xml";

inline const Bytes kEsign = fromHex("A000000167455349474E");
inline const Bytes kHca = fromHex("D27600000102");

// Each image is converted once per test binary; tests get copies.
inline sim::Profile gematikImage(const std::string& file) {
  static std::map<std::string, sim::Profile> cache;
  auto it = cache.find(file);
  if (it == cache.end())
    it = cache.emplace(file, sim::loadGematikImage(kGematikImages / file)).first;
  return it->second;
}

// The ATR an image publishes in its attribute `id` ("coldAnswerToReset",
// "warmAnswerToReset"), read from the XML file itself.
inline Bytes imageAtr(const std::string& file, const std::string& id) {
  std::ifstream in(kGematikImages / file, std::ios::binary);
  const std::string xml((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::size_t at = xml.find("id=\"" + id + "\"");
  const std::size_t start = at == std::string::npos ? at : xml.find('>', at);
  const std::size_t end = start == std::string::npos ? start : xml.find('<', start);
  if (end == std::string::npos) throw std::runtime_error("no " + id + " in " + file);
  return fromHex(std::string_view(xml).substr(start + 1, end - start - 1));
}

// The EF `fid` in the DF reached through `dfAids` (empty: the MF).
inline sim::FileNode& fileIn(sim::Profile& profile, std::initializer_list<Bytes> dfAids,
                             std::uint16_t fid) {
  sim::FileNode* df = &profile.mf;
  for (const Bytes& aid : dfAids) {
    sim::FileNode* next = nullptr;
    for (auto& child : df->children) {
      if (child.aid == aid) next = &child;
    }
    if (next == nullptr) throw std::runtime_error("no DF " + toHex(aid));
    df = next;
  }
  for (auto& child : df->children) {
    if (child.fid && *child.fid == fid) return child;
  }
  throw std::runtime_error("no EF " + std::to_string(fid));
}

// A card in slot 0 of a one-reader SimTransport, with a connection to it.
struct SimCard {
  explicit SimCard(sim::Profile profile) : card(std::make_shared<sim::Card>(std::move(profile))) {
    transport.insertCard(0, card);
    connection = transport.connect("reader");
  }
  explicit SimCard(const std::string& image) : SimCard(gematikImage(image)) {}

  sim::SimTransport transport{{"reader"}};
  std::shared_ptr<sim::Card> card;
  std::unique_ptr<CardConnection> connection;
};

// Forwards to another connection but allows short APDUs only, as pcscd does
// for these cards (their ATR announces no extended length).
class ShortApduConnection final : public CardConnection {
 public:
  explicit ShortApduConnection(CardConnection& inner) : inner_(inner) {}
  const std::string& readerName() const override { return inner_.readerName(); }
  const Bytes& atr() const override { return inner_.atr(); }
  Protocol protocol() const override { return inner_.protocol(); }
  bool extendedLengthSupported() const override { return false; }
  apdu::ResponseApdu transmit(const apdu::CommandApdu& command) override {
    EXPECT_FALSE(command.needsExtended());
    if (command.ins == 0xB0 && command.ne) largestRead = std::max(largestRead, *command.ne);
    return inner_.transmit(command);
  }
  Bytes transmitRaw(ByteView command) override { return inner_.transmitRaw(command); }
  void beginTransaction() override { inner_.beginTransaction(); }
  void endTransaction() noexcept override { inner_.endTransaction(); }

  std::size_t largestRead = 0;  // largest Le of a READ BINARY

 private:
  CardConnection& inner_;
};

// gzip (RFC 1952) of `text`, to build corrupt but well-framed files.
inline Bytes gzipOf(std::string_view text) {
  z_stream stream{};
  EXPECT_EQ(deflateInit2(&stream, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
  Bytes out(deflateBound(&stream, static_cast<uLong>(text.size())) + 32);
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  stream.avail_in = static_cast<uInt>(text.size());
  stream.next_out = out.data();
  stream.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&stream, Z_FINISH), Z_STREAM_END);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  return out;
}

inline base::X509Handle parseCertificate(const Bytes& der) {
  const unsigned char* cursor = der.data();
  return base::X509Handle(d2i_X509(nullptr, &cursor, static_cast<long>(der.size())));
}

// Verifies a signature over a SHA-256 hash with the certificate's public key:
// ECDSA as plain r||s (converted to DER here), RSA as PKCS#1 v1.5.
inline bool verifiesWith(const Bytes& certificateDer, const Bytes& hash, const Bytes& signature) {
  auto certificate = parseCertificate(certificateDer);
  if (!certificate) return false;
  EVP_PKEY* key = X509_get0_pubkey(certificate.get());
  if (key == nullptr) return false;
  Bytes der = signature;
  if (EVP_PKEY_is_a(key, "EC")) {
    const std::size_t half = signature.size() / 2;
    const base::EcdsaSigHandle sig(ECDSA_SIG_new());
    ECDSA_SIG_set0(sig.get(), BN_bin2bn(signature.data(), static_cast<int>(half), nullptr),
                   BN_bin2bn(signature.data() + half, static_cast<int>(half), nullptr));
    unsigned char* out = nullptr;
    const int length = i2d_ECDSA_SIG(sig.get(), &out);
    der.assign(out, out + length);
    OPENSSL_free(out);
  }
  const base::EvpPkeyCtxHandle ctx(EVP_PKEY_CTX_new(key, nullptr));
  bool ok = ctx && EVP_PKEY_verify_init(ctx.get()) > 0 &&
            EVP_PKEY_CTX_set_signature_md(ctx.get(), EVP_sha256()) > 0;
  if (ok && EVP_PKEY_is_a(key, "RSA")) {
    ok = EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) > 0;
  }
  ok = ok && EVP_PKEY_verify(ctx.get(), der.data(), der.size(), hash.data(), hash.size()) == 1;
  return ok;
}

}  // namespace hcbridge::testing
