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
#include "hcbridge/atr.hpp"
#include "hcbridge/error.hpp"
#include "hcbridge/iso_commands.hpp"

namespace hcbridge::drivers {
namespace cps {
namespace {

constexpr std::size_t kCps3Chunk = 0xE7;  // CPS3 reads at most 231 bytes
constexpr std::size_t kCps4Chunk = 256;
constexpr std::size_t kMaxDirectorySize = 4096;
constexpr std::size_t kMaxCertificateSize = 8192;
constexpr std::uint8_t kPinRef = 0x01;          // the vendor trace's SDO BF 81 01
constexpr std::uint8_t kCps3AuthKeyRef = 0x82;  // CPS_PRIV_AUT
constexpr std::uint8_t kCps3RsaPkcs1 = 0x02;    // algorithm: RSA PKCS#1 v1.5, the card pads
constexpr std::uint8_t kBasicChannel = 0x00;    // CLA of the basic logical channel
constexpr std::uint8_t kChannel1 = 0x01;        // CLA of logical channel 1 (CPS4)
constexpr std::uint16_t kOdfFid = 0x5031;       // ISO 7816-15 default, in the PKCS#15 DF
constexpr std::size_t kSha256Size = 32;

const char* const kHint =
    "The CPS card's content is not as expected. If the card works in other software, report it "
    "with the output of 'hcbridge readers --json'.";

[[noreturn]] void unsupported(const std::string& what, const std::string& hint = {}) {
  throw Error(Errc::OperationUnsupported, what, hint);
}

struct CpsAtr {
  atr::MaskedAtr row;
  Variant variant;
};

// docs/cards-french.md, CPS "Recognition". The exact CPS4 ATRs first: the
// T=0-only pre-series one also fits the CPS3 mask.
constexpr CpsAtr kAtrRows[] = {
    {{"3B 9B 18 80 01 00 12 25 00 64 80 04 01 00 00 90 44", "", "CPS4 (contact)",
      "ANS Cryptolib CPS"},
     Variant::Cps4},
    {{"3B 9B 18 80 01 00 12 25 00 64 80 00 04 01 00 90 44", "", "CPS4 (pre-series)",
      "ANS Cryptolib CPS"},
     Variant::Cps4},
    {{"3B DC 18 FF 00 00 12 25 00 64 80 00 04 01 00 90 00", "", "CPS4 (pre-series, T=0 only)",
      "ANS Cryptolib CPS"},
     Variant::Cps4},
    {{"3B AC 00 40 2A 00 12 25 00 64 80 00 03 10 00 90 00",
      "FF 00 00 00 00 FF FF FF FF FF FF 00 00 00 FF FF FF", "CPS3 (contact)",
      "ANS Cryptolib CPS; OpenSC card-iasecc.c; pcsc-tools"},
     Variant::Cps3Contact},
    {{"3B 8F 80 01 00 31 B8 64 04 B0 EC C1 73 94 01 80 82 90 00 0E",
      "FF FF FF FF FF FF FF FF 00 00 FF C0 FF FF FF FF FF FF FF FF", "CPS3 (contactless)",
      "ANS Cryptolib CPS; pcsc-tools"},
     Variant::Cps3Contactless},
};

// One operation on one card: the variant's class byte, read size and the
// DF currently selected as far as the driver knows.
class Session {
 public:
  Session(CardConnection& card, Variant variant) : card_(card), variant_(variant) {}

  Variant variant() const { return variant_; }
  std::uint8_t cla() const { return variant_ == Variant::Cps4 ? kChannel1 : kBasicChannel; }
  CardConnection& card() { return card_; }

  ByteView pkcs15Aid() const {
    return variant_ == Variant::Cps3Contactless
               ? ByteView(kPkcs15ContactlessAid, sizeof kPkcs15ContactlessAid)
               : ByteView(kPkcs15ContactAid, sizeof kPkcs15ContactAid);
  }

  // CPS4 startup (docs/cards-french.md, CPS "What is read"): the IAS application on channel 1; when
  // the card refuses, the ANS driver's replay (ISD, CPS2ter applet, IAS again).
  void start() {
    if (variant_ != Variant::Cps4) return;
    const ByteView ias(kCps4IasAid, sizeof kCps4IasAid);
    if (selectByName(kChannel1, ias) == apdu::sw::kSuccess) return;
    // AIDs: the GlobalPlatform issuer security domain and the CPS2ter applet.
    static constexpr std::uint8_t kIsd[] = {0xA0, 0x00, 0x00, 0x01, 0x51, 0x00, 0x00};
    static constexpr std::uint8_t kCps2ter[] = {0x80, 0x25, 0x00, 0x00, 0x01, 0xFF, 0x00, 0x02};
    selectByName(kChannel1, ByteView(kIsd, sizeof kIsd));
    selectByName(kBasicChannel, ByteView(kCps2ter, sizeof kCps2ter));
    const std::uint16_t sw = selectByName(kChannel1, ias);
    if (sw != apdu::sw::kSuccess) throwUnexpectedStatus("CPS4 IAS application", sw, kHint);
  }

  void selectPkcs15Application() {
    const std::uint16_t sw = selectByName(cla(), pkcs15Aid());
    if (sw != apdu::sw::kSuccess) throwUnexpectedStatus("PKCS#15 application", sw, kHint);
    atApplication_ = true;
  }

  // Selects the EF a PKCS#15 path names (docs/cards-french.md, CPS "What is read"): CPS3 sends the
  // whole path with P1 09, 3F00 included; CPS4 strips the MF and sends one FID (P1 00) or the path
  // from the MF (P1 08). Relative paths start at the PKCS#15 application DF (selected first when
  // needed), sent with P1 09.
  void selectFile(const Path& path, const std::string& name) {
    constexpr auto kNoAnswer = apdu::SelectAnswer::None;
    apdu::CommandApdu select;
    if (path.absolute() && variant_ == Variant::Cps4) {
      const ByteView fromMf = ByteView(path.path).subspan(2);
      if (fromMf.empty()) {
        select = apdu::selectMf(kNoAnswer, cla());
      } else if (fromMf.size() == 2) {
        select = apdu::selectByFid(path.lastFid(), apdu::FidScope::Any, kNoAnswer, cla());
      } else {
        select = apdu::selectByPath(fromMf, apdu::PathStart::Mf, kNoAnswer, cla());
      }
    } else {
      // The CPS3 takes an absolute path as a path from the current DF, 3F00 included.
      select = apdu::selectByPath(path.path, apdu::PathStart::CurrentDf, kNoAnswer, cla());
    }
    if (path.absolute()) {
      atApplication_ = false;
    } else if (!atApplication_) {
      selectPkcs15Application();
    }
    const auto response = card_.transmit(select);
    if (response.sw == apdu::sw::kFileNotFound) {
      throwCardDataInvalid(name, "no such file (path " + path.text() + ")", kHint);
    }
    if (response.sw != apdu::sw::kSuccess) throwUnexpectedStatus(name, response.sw, kHint);
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
    return card_.transmit(apdu::selectByAid(aid, apdu::SelectAnswer::None, cla)).sw;
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
  std::string_view shortName() const override { return "CPS"; }
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
    model.professionalId = identity.professionalId;
    model.pinBlockedHint =
        "Unblock the PIN with the card's PUK (CPS management tool of the ANS) or ask the ANS for "
        "a new card.";
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
    // CPS4 (and a CPS3 without the SDO): VERIFY without data (docs/cards-french.md, CPS "PIN and
    // signature").
    status.maxTries = 3;  // assumed, as the ANS driver does
    const std::uint16_t sw = card.transmit(apdu::verificationStatus(kPinRef, session.cla())).sw;
    if (!readRetryCounter(sw, status)) {
      throwUnexpectedStatus("PIN status (VERIFY without data)", sw, kHint);
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
    // docs/cards-french.md, CPS "PIN and signature": VERIFY ref 01 with the ASCII digits (no
    // padding known).
    apdu::CommandApdu verify = apdu::verify(kPinRef, digits, session.cla());
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
    const std::uint16_t mseSw =
        card.transmit(apdu::manageSecurityEnvironmentSet(
                          apdu::SecurityUse::Computation, apdu::ControlTemplate::Authentication,
                          {apdu::algorithmReference(kCps3RsaPkcs1),
                           apdu::privateKeyReference(kCps3AuthKeyRef)}))
            .sw;
    if (mseSw != apdu::sw::kSuccess) {
      throwUnexpectedStatus("MSE SET (authentication key)", mseSw, kHint);
    }
    const Bytes digestInfo = sha256DigestInfo(hash);
    const auto response = card.transmit(apdu::internalAuthenticate(digestInfo));
    throwIfPinRequired(response.sw, "The CPS PIN must be verified before signing",
                       "Verify the PIN first (open a practitioner session).");
    if (response.sw != apdu::sw::kSuccess || response.data.empty()) {
      throwUnexpectedStatus("INTERNAL AUTHENTICATE", response.sw, kHint);
    }
    return response.data;
  }

 private:
  static void requirePin(const Session& session) {
    if (session.variant() == Variant::Cps3Contactless) {
      unsupported("The contactless CPS has no PIN", "Insert the card into a contact reader.");
    }
  }

  // CPS3: SELECT MF, then GET DATA (CB) on the CHV SDO BF 81 01 (docs/cards-french.md, CPS "PIN and
  // signature"). nullopt when the card does not know the command.
  static std::optional<PinCounters> readPinCounters(Session& session) {
    CardConnection& card = session.card();
    // The MF as the CPS3 takes it: the path 3F00 from the current DF.
    static constexpr std::uint8_t kMf[] = {0x3F, 0x00};
    const std::uint16_t selectSw =
        card.transmit(apdu::selectByPath(kMf, apdu::PathStart::CurrentDf, apdu::SelectAnswer::None))
            .sw;
    if (selectSw != apdu::sw::kSuccess) throwUnexpectedStatus("MF", selectSw, kHint);
    // Extended header list (4D) naming the IAS security data object BF 81 <PIN>
    // (the CHV, template 70) and, in A0, its counters; the layout is the IAS's.
    const std::uint8_t headerList[] = {0x4D, 0x08,    0x70, 0x06, 0xBF,
                                       0x81, kPinRef, 0x02, 0xA0, 0x80};
    const auto response =
        card.transmit(apdu::getDataFromFile(apdu::kCurrentDf, headerList, apdu::kShortMaxNe));
    using namespace apdu::sw;
    if (response.sw == kInsNotSupported || response.sw == kReferenceNotFound ||
        response.sw == kWrongP1P2 || response.sw == kFunctionNotSupported) {
      return std::nullopt;
    }
    if (response.sw != kSuccess) {
      throwUnexpectedStatus("PIN counters (GET DATA BF81)", response.sw, kHint);
    }
    return parsePinCounters(response.data);
  }
};

}  // namespace

std::optional<Variant> variantFromAtr(ByteView atr) {
  for (const auto& [row, variant] : kAtrRows) {
    if (atr::matches(atr, row)) return variant;
  }
  return std::nullopt;
}

}  // namespace cps

std::unique_ptr<CardDriver> makeCpsDriver() {
  return std::make_unique<cps::CpsDriver>();
}

}  // namespace hcbridge::drivers
