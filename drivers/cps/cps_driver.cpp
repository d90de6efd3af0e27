#include "cps_driver.hpp"

#include <openssl/crypto.h>

#include <array>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>

#include "card_io.hpp"
#include "cps_card_data.hpp"
#include "cps_pkcs15.hpp"
#include "hcbridge/drivers.hpp"
#include "hcbridge/error.hpp"

namespace hcbridge::drivers {
namespace cps {
namespace {

constexpr std::size_t kCps3Chunk = 0xE7;  // cps.md §5: CPS3 reads at most 231 bytes
constexpr std::size_t kCps4Chunk = 256;
constexpr std::size_t kMaxDirectorySize = 4096;
constexpr std::size_t kMaxCertificateSize = 8192;
constexpr std::uint8_t kPinRef = 0x01;          // cps.md §5 [I]: the vendor trace's SDO BF 81 01
constexpr std::uint8_t kCps3AuthKeyRef = 0x82;  // CPS_PRIV_AUT (cps.md §4)
constexpr std::uint16_t kOdfFid = 0x5031;       // ISO 7816-15 default, in the PKCS#15 DF
constexpr std::size_t kSha256Size = 32;
constexpr std::uint8_t kSha256DigestInfoPrefix[] = {0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60,
                                                    0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                                                    0x01, 0x05, 0x00, 0x04, 0x20};

const char* const kHint =
    "The CPS card's content is not as expected. If the card works in other software, report it "
    "with the output of 'hcbridge readers --json'.";

[[noreturn]] void badStatus(const std::string& what, std::uint16_t sw) {
  throw Error(Errc::CardDataInvalid, what + ": the card answered " + apdu::statusWordText(sw),
              kHint);
}

[[noreturn]] void unsupported(const std::string& what, const std::string& hint = {}) {
  throw Error(Errc::OperationUnsupported, what, hint);
}

struct AtrPattern {
  Variant variant;
  Bytes value;
  Bytes mask;  // empty: exact
};

const std::vector<AtrPattern>& atrTable() {
  static const std::vector<AtrPattern> table{
      // The exact CPS4 ATRs first: the T=0 pre-series one also fits the CPS3 mask.
      {Variant::Cps4, fromHex("3B 9B 18 80 01 00 12 25 00 64 80 04 01 00 00 90 44"), {}},
      {Variant::Cps4, fromHex("3B 9B 18 80 01 00 12 25 00 64 80 00 04 01 00 90 44"), {}},
      {Variant::Cps4, fromHex("3B DC 18 FF 00 00 12 25 00 64 80 00 04 01 00 90 00"), {}},
      {Variant::Cps3Contact, fromHex("3B AC 00 40 2A 00 12 25 00 64 80 00 03 10 00 90 00"),
       fromHex("FF 00 00 00 00 FF FF FF FF FF FF 00 00 00 FF FF FF")},
      {Variant::Cps3Contactless,
       fromHex("3B 8F 80 01 00 31 B8 64 04 B0 EC C1 73 94 01 80 82 90 00 0E"),
       fromHex("FF FF FF FF FF FF FF FF 00 00 FF C0 FF FF FF FF FF FF FF FF")},
  };
  return table;
}

// One operation on one card: the variant's class byte, read size and the
// DF currently selected as far as the driver knows.
class Session {
 public:
  Session(CardConnection& card, Variant variant) : card_(card), variant_(variant) {}

  Variant variant() const { return variant_; }
  std::uint8_t cla() const { return variant_ == Variant::Cps4 ? 0x01 : 0x00; }
  CardConnection& card() { return card_; }

  ByteView pkcs15Aid() const {
    return variant_ == Variant::Cps3Contactless
               ? ByteView(kPkcs15ContactlessAid, sizeof kPkcs15ContactlessAid)
               : ByteView(kPkcs15ContactAid, sizeof kPkcs15ContactAid);
  }

  // CPS4 startup (cps.md §2): the IAS application on channel 1; when the card
  // refuses, the ANS driver's replay (ISD, CPS2ter applet, IAS again).
  void start() {
    if (variant_ != Variant::Cps4) return;
    const ByteView ias(kCps4IasAid, sizeof kCps4IasAid);
    if (selectByName(0x01, ias) == 0x9000) return;
    static constexpr std::uint8_t kIsd[] = {0xA0, 0x00, 0x00, 0x01, 0x51, 0x00, 0x00};
    static constexpr std::uint8_t kCps2ter[] = {0x80, 0x25, 0x00, 0x00, 0x01, 0xFF, 0x00, 0x02};
    selectByName(0x01, ByteView(kIsd, sizeof kIsd));
    selectByName(0x00, ByteView(kCps2ter, sizeof kCps2ter));
    const std::uint16_t sw = selectByName(0x01, ias);
    if (sw != 0x9000) badStatus("CPS4 IAS application", sw);
  }

  void selectPkcs15Application() {
    const std::uint16_t sw = selectByName(cla(), pkcs15Aid());
    if (sw != 0x9000) badStatus("PKCS#15 application", sw);
    atApplication_ = true;
  }

  // Selects the EF a PKCS#15 path names (cps.md §5): CPS3 sends the whole
  // path with P1 09, 3F00 included; CPS4 strips the MF and sends one FID
  // (P1 00) or the path from the MF (P1 08). Relative paths start at the
  // PKCS#15 application DF (selected first when needed), sent with P1 09.
  void selectFile(const Path& path, const std::string& name) {
    apdu::CommandApdu select{cla(), 0xA4, 0x09, 0x0C, path.path, std::nullopt};
    if (path.absolute()) {
      if (variant_ == Variant::Cps4) {
        select.data.erase(select.data.begin(), select.data.begin() + 2);
        select.p1 = select.data.size() == 2 ? 0x00 : 0x08;
        if (select.data.empty()) select.p1 = 0x00;
      }
      atApplication_ = false;
    } else if (!atApplication_) {
      selectPkcs15Application();
    }
    const auto response = card_.transmit(select);
    if (response.sw == 0x6A82) {
      throw Error(Errc::CardDataInvalid, name + ": no such file (path " + path.text() + ")", kHint);
    }
    if (response.sw != 0x9000) badStatus(name, response.sw);
  }

  // Reads the current EF; `declaredLength` may stop early (DER objects).
  Bytes readFile(const std::string& name, std::size_t maxSize,
                 std::function<std::optional<std::size_t>(ByteView)> declaredLength = {}) {
    ReadOptions options;
    options.chunk = variant_ == Variant::Cps4 ? kCps4Chunk : kCps3Chunk;
    options.maxSize = maxSize;
    options.cla = cla();
    options.declaredLength = std::move(declaredLength);
    return readTransparent(card_, std::nullopt, name, options);
  }

 private:
  std::uint16_t selectByName(std::uint8_t cla, ByteView aid) {
    const apdu::CommandApdu select{cla,         0xA4, 0x04, 0x0C, Bytes(aid.begin(), aid.end()),
                                   std::nullopt};
    return card_.transmit(select).sw;
  }

  CardConnection& card_;
  Variant variant_;
  bool atApplication_ = false;
};

Variant requireVariant(CardConnection& card) {
  const auto variant = variantFromAtr(card.atr());
  if (!variant) {
    throw Error(Errc::CardUnsupported, "The card's ATR is not a CPS3/CPS4 ATR",
                "Use the driver the registry picks for this card.");
  }
  return *variant;
}

std::string readSerial(Session& session) {
  Path path;
  path.path = {0x3F, 0x00, 0xD0, 0x03};
  session.selectFile(path, "EF.SN.ICC (D003)");
  const Bytes content = session.readFile("EF.SN.ICC (D003)", 64,
                                         [](ByteView soFar) { return berObjectLength(soFar); });
  return parseSnIcc(content);
}

// ODF -> CDFs -> the certificate entries, in CDF order.
std::vector<CertificateEntry> readCertificateDirectory(Session& session) {
  session.selectPkcs15Application();
  Path odfPath;
  odfPath.path = {static_cast<std::uint8_t>(kOdfFid >> 8), static_cast<std::uint8_t>(kOdfFid)};
  session.selectFile(odfPath, "ODF (5031)");
  const std::vector<Path> directories = parseOdfCertificateDirectories(
      session.readFile("ODF (5031)", kMaxDirectorySize), "ODF (5031)");
  if (directories.empty()) {
    throw Error(Errc::CardDataInvalid, "ODF (5031): no certificate directory (A4)", kHint);
  }
  std::vector<CertificateEntry> entries;
  for (const Path& path : directories) {
    const std::string name = "CDF (" + path.text() + ")";
    session.selectFile(path, name);
    const Bytes content = sliceByPath(session.readFile(name, kMaxDirectorySize), path, name);
    for (auto& entry : parseCdf(content, name)) {
      if (entries.size() == kMaxCertificates) {
        throw Error(Errc::CardDataInvalid, name + ": too many certificates", kHint);
      }
      entries.push_back(std::move(entry));
    }
  }
  return entries;
}

// The entry of the authentication certificate: by label, else the technical
// certificate (contactless), else the first non-authority one.
const CertificateEntry& authenticationEntry(const std::vector<CertificateEntry>& entries) {
  for (const auto& label : {kAuthenticationLabel, kTechnicalLabel}) {
    for (const auto& entry : entries) {
      if (entry.label == label) return entry;
    }
  }
  for (const auto& entry : entries) {
    if (!entry.authority) return entry;
  }
  throw Error(Errc::CardDataInvalid, "CDF: no practitioner certificate", kHint);
}

Certificate readCertificate(Session& session, const CertificateEntry& entry) {
  const std::string name = "certificate '" + entry.label + "'";
  Certificate certificate;
  certificate.label = entry.label;
  if (!entry.path) {
    certificate.der = entry.direct;
  } else {
    const Path& path = *entry.path;
    session.selectFile(path, name);
    Bytes content;
    if (path.index) {
      const std::size_t end = *path.index + *path.length;
      content = session.readFile(name, kMaxCertificateSize,
                                 [end](ByteView) { return std::optional<std::size_t>(end); });
      certificate.der = sliceByPath(content, path, name);
    } else {
      certificate.der = session.readFile(name, kMaxCertificateSize,
                                         [](ByteView soFar) { return berObjectLength(soFar); });
    }
  }
  // Parsing checks that the bytes are a certificate, so a model never holds
  // garbage under a certificate's name.
  parseCertificateIdentity(certificate.der, name);
  return certificate;
}

class CpsDriver final : public CardDriver {
 public:
  std::string_view id() const override { return "cps"; }
  std::string_view displayName() const override {
    return "CPS3/CPS4 (Carte de Professionnel de Santé)";
  }
  CardKind kind() const override { return CardKind::Practitioner; }

  AtrMatch matchAtr(ByteView atr) const override {
    return variantFromAtr(atr) ? AtrMatch::Yes : AtrMatch::No;
  }

  bool probe(CardConnection& card) const override {
    const auto variant = variantFromAtr(card.atr());
    if (!variant) return false;
    Session session(card, *variant);
    try {
      session.start();
      readSerial(session);
      return true;
    } catch (const Error& e) {
      if (e.code() == Errc::CardDataInvalid || e.code() == Errc::CardUnsupported) return false;
      throw;
    }
  }

  CardModel read(CardConnection& card) const override {
    Session session(card, requireVariant(card));
    session.start();
    PractitionerCard model;
    model.cardType = "cps";
    model.generation = session.variant() == Variant::Cps4 ? "CPS4" : "CPS3";
    model.cardSerial = readSerial(session);
    const auto entries = readCertificateDirectory(session);
    Certificate authentication = readCertificate(session, authenticationEntry(entries));
    const PractitionerIdentity identity =
        parseCertificateIdentity(authentication.der, "certificate '" + authentication.label + "'");
    model.surname = identity.surname;
    model.givenNames = identity.givenNames;
    model.profession = identity.profession;
    model.professionCode = identity.professionCode;
    model.nationalId = identity.nationalId;
    model.certificates.push_back(std::move(authentication));
    return model;
  }

  PinStatus pinStatus(CardConnection& card) const override {
    Session session(card, requireVariant(card));
    requirePin(session);
    session.start();
    PinStatus status;
    status.state = "regular";
    if (session.variant() == Variant::Cps3Contact) {
      if (auto counters = readPinCounters(session)) {
        status.maxTries = counters->maxTries;
        status.triesLeft = counters->usesLeft == 0 ? 0 : counters->triesLeft;
        status.blocked = status.triesLeft == 0;
        return status;
      }
    }
    // CPS4 (and a CPS3 without the SDO): VERIFY without data (cps.md §5).
    status.maxTries = 3;  // assumed, as the ANS driver does
    const apdu::CommandApdu query{session.cla(), 0x20, 0x00, kPinRef, {}, std::nullopt};
    const std::uint16_t sw = card.transmit(query).sw;
    if (sw == 0x9000) {
      status.verified = true;
      status.triesLeft = status.maxTries;
    } else if ((sw & 0xFFF0) == 0x63C0) {
      status.triesLeft = sw & 0x0F;
      status.blocked = status.triesLeft == 0;
    } else if (sw == 0x6983) {
      status.blocked = true;
    } else {
      badStatus("PIN status (VERIFY without data)", sw);
    }
    return status;
  }

  void verifyPin(CardConnection& card, const SecretBytes& pin) const override {
    Session session(card, requireVariant(card));
    requirePin(session);
    const ByteView digits = pin.view();
    bool wellFormed = digits.size() >= 4 && digits.size() <= 12;
    for (const std::uint8_t c : digits) wellFormed = wellFormed && c >= '0' && c <= '9';
    if (!wellFormed) throw Error(Errc::BadRequest, "A CPS PIN has 4 to 12 digits");
    session.start();
    // cps.md §5: VERIFY ref 01 with the ASCII digits (no padding known).
    apdu::CommandApdu verify{
        session.cla(), 0x20, 0x00, kPinRef, Bytes(digits.begin(), digits.end()), std::nullopt};
    struct Wipe {
      Bytes& bytes;
      ~Wipe() { OPENSSL_cleanse(bytes.data(), bytes.size()); }
    } wipe{verify.data};
    const std::uint16_t sw = card.transmit(verify).sw;
    checkVerifyStatus(sw);
  }

  std::vector<Certificate> readCertificates(CardConnection& card) const override {
    Session session(card, requireVariant(card));
    session.start();
    const auto entries = readCertificateDirectory(session);
    const CertificateEntry& authentication = authenticationEntry(entries);
    std::vector<Certificate> certificates;
    certificates.push_back(readCertificate(session, authentication));
    for (const auto& entry : entries) {
      if (&entry != &authentication) certificates.push_back(readCertificate(session, entry));
    }
    return certificates;
  }

  Bytes signWithAuthenticationKey(CardConnection& card, ByteView hash,
                                  SignatureScheme scheme) const override {
    Session session(card, requireVariant(card));
    if (scheme != SignatureScheme::RsaPkcs1Sha256) {
      unsupported("The CPS authentication key is RSA: only RSA PKCS#1 v1.5 with SHA-256");
    }
    if (hash.size() != kSha256Size) {
      throw Error(Errc::BadRequest,
                  "A SHA-256 hash has 32 bytes, not " + std::to_string(hash.size()));
    }
    if (session.variant() == Variant::Cps3Contactless) {
      unsupported("The contactless CPS has no authentication key usable by hcbridge",
                  "Insert the card into a contact reader.");
    }
    if (session.variant() == Variant::Cps4) {
      unsupported("Signing with a CPS4 is not implemented yet (MSE + chained PSO DECIPHER)",
                  "Use a CPS3, or sign with the ANS middleware.");
    }
    session.selectPkcs15Application();
    // MSE SET for authentication: RSA PKCS#1 v1.5 (card pads), key 82.
    const apdu::CommandApdu mse{
        0x00, 0x22, 0x41, 0xA4, Bytes{0x80, 0x01, 0x02, 0x84, 0x01, kCps3AuthKeyRef}, std::nullopt};
    const std::uint16_t mseSw = card.transmit(mse).sw;
    if (mseSw != 0x9000) badStatus("MSE SET (authentication key)", mseSw);
    Bytes digestInfo(std::begin(kSha256DigestInfoPrefix), std::end(kSha256DigestInfoPrefix));
    digestInfo.insert(digestInfo.end(), hash.begin(), hash.end());
    const apdu::CommandApdu authenticate{
        0x00, 0x88, 0x00, 0x00, std::move(digestInfo), apdu::kShortMaxNe};
    const auto response = card.transmit(authenticate);
    if (response.sw == 0x6982) {
      throw Error(Errc::PinRequired, "The CPS PIN must be verified before signing",
                  "Verify the PIN first (open a practitioner session).");
    }
    if (response.sw != 0x9000 || response.data.empty()) {
      badStatus("INTERNAL AUTHENTICATE", response.sw);
    }
    return response.data;
  }

 private:
  static void requirePin(const Session& session) {
    if (session.variant() == Variant::Cps3Contactless) {
      unsupported("The contactless CPS has no PIN", "Insert the card into a contact reader.");
    }
  }

  // CPS3: SELECT MF, then GET DATA (CB) on the CHV SDO BF 81 01 (cps.md §5).
  // nullopt when the card does not know the command.
  static std::optional<PinCounters> readPinCounters(Session& session) {
    CardConnection& card = session.card();
    const apdu::CommandApdu selectMf{0x00, 0xA4, 0x09, 0x0C, Bytes{0x3F, 0x00}, std::nullopt};
    const std::uint16_t selectSw = card.transmit(selectMf).sw;
    if (selectSw != 0x9000) badStatus("MF", selectSw);
    const apdu::CommandApdu getData{
        0x00,
        0xCB,
        0x3F,
        0xFF,
        Bytes{0x4D, 0x08, 0x70, 0x06, 0xBF, 0x81, kPinRef, 0x02, 0xA0, 0x80},
        apdu::kShortMaxNe};
    const auto response = card.transmit(getData);
    if (response.sw == 0x6D00 || response.sw == 0x6A88 || response.sw == 0x6A86 ||
        response.sw == 0x6A81) {
      return std::nullopt;
    }
    if (response.sw != 0x9000) badStatus("PIN counters (GET DATA BF81)", response.sw);
    return parsePinCounters(response.data);
  }
};

}  // namespace

std::optional<Variant> variantFromAtr(ByteView atr) {
  for (const auto& pattern : atrTable()) {
    if (atr.size() != pattern.value.size()) continue;
    bool match = true;
    for (std::size_t i = 0; i < atr.size() && match; ++i) {
      const std::uint8_t mask = pattern.mask.empty() ? 0xFF : pattern.mask[i];
      match = (atr[i] & mask) == (pattern.value[i] & mask);
    }
    if (match) return pattern.variant;
  }
  return std::nullopt;
}

}  // namespace cps

std::unique_ptr<CardDriver> makeCpsDriver() {
  return std::make_unique<cps::CpsDriver>();
}

}  // namespace hcbridge::drivers
