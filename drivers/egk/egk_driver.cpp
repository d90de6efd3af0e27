// The eGK driver (elektronische Gesundheitskarte G2 / G2.1): the insured
// person's data without PIN (docs/cards-german.md "What the eGK driver reads"), and PIN,
// certificates and signatures with the authentication keys of DF.ESIGN ("PIN, certificates,
// signatures").
#include "egk_driver.hpp"

#include <string>

#include "egk_authenticity.hpp"
#include "egk_parsers.hpp"
#include "gematik_card.hpp"
#include "hcbridge/error.hpp"
#include "hcbridge/iso_commands.hpp"

namespace hcbridge::drivers {
namespace {

// PIN.CH (MF) and MRPIN.home, which uses PIN.CH's value and counter but has
// its own security status; the authentication keys need MRPIN.home.
constexpr std::uint8_t kPinCh = 0x01;
constexpr std::uint8_t kMrpinHome = 0x02;
// In DF.ESIGN: EF.C.CH.AUT.E256 (SFI 04), EF.C.CH.AUT.R2048 (SFI 01) and
// PrK.CH.AUT.E256 / .R2048 (80 | keyId).
constexpr gematik::AuthenticationKeys kAuthenticationKeys{
    "eGK", 0x04, "C.CH.AUT.E256", 0x01, "C.CH.AUT.R2048", 0x84, 0x82};
// EF.PD, EF.VD, EF.StatusVD in DF.HCA.
constexpr std::uint8_t kSfiPd = 0x01;
constexpr std::uint8_t kSfiVd = 0x02;
constexpr std::uint8_t kSfiStatusVd = 0x0C;
constexpr std::size_t kStatusVdSize = 25;

ByteView bytes(const std::uint8_t* data, std::size_t size) {
  return ByteView(data, size);
}

void selectMf(CardConnection& card) {
  if (!gematik::select(card, bytes(gematik::kEgkMfAid, sizeof gematik::kEgkMfAid), "eGK MF")) {
    throw Error(Errc::CardUnsupported, "This card is not an eGK (no eGK master file)");
  }
}

class EgkDriver final : public CardDriver {
 public:
  explicit EgkDriver(const gematik::ReadSettings& settings) : settings_(settings) {}

  std::string_view id() const override { return "egk"; }
  std::string_view displayName() const override { return "eGK (elektronische Gesundheitskarte)"; }
  std::string_view shortName() const override { return "eGK"; }
  CardKind kind() const override { return CardKind::Patient; }

  AtrMatch matchAtr(ByteView atr) const override { return gematik::matchAtr(atr); }

  // SELECT of the eGK MF by its AID: no security state is touched.
  bool probe(CardConnection& card) const override {
    return card.transmit(apdu::selectByAid(gematik::kEgkMfAid, apdu::SelectAnswer::None)).sw ==
           apdu::sw::kSuccess;
  }

  // SELECT MF, EF.Version2, EF.GDO, SELECT DF.HCA, EF.StatusVD, EF.PD, EF.VD:
  // each file read once, by SFI, up to the length its content declares.
  CardModel read(CardConnection& card) const override {
    egk::EgkFiles files;
    selectMf(card);
    files.version2 =
        *gematik::readObjectFile(card, gematik::kSfiVersion2, "EF.Version2", false, settings_);
    files.gdo = *gematik::readObjectFile(card, gematik::kSfiGdo, "EF.GDO", false, settings_);
    if (!gematik::select(card, bytes(gematik::kHcaAid, sizeof gematik::kHcaAid), "DF.HCA")) {
      throw Error(Errc::CardDataInvalid, "DF.HCA: the eGK has no health-care application");
    }
    ReadOptions options = gematik::readOptions(card, settings_);
    options.declaredLength = [](ByteView) { return std::optional<std::size_t>(kStatusVdSize); };
    files.statusVd = readTransparent(card, kSfiStatusVd, "EF.StatusVD", options);
    options.declaredLength = egk::pdDeclaredLength;
    files.pd = readTransparent(card, kSfiPd, "EF.PD", options);
    options.declaredLength = egk::vdDeclaredLength;
    files.vd = readTransparent(card, kSfiVd, "EF.VD", options);
    return egk::buildPatientCard(files);
  }

  // PIN.CH's counter and state; verified when PIN.CH or MRPIN.home (the
  // one the eGK's signatures need) is verified in this card session.
  PinStatus pinStatus(CardConnection& card) const override {
    PinStatus status = gematik::pinStatus(card, kPinCh);
    if (!status.verified && !status.blocked && status.state == "regular") {
      status.verified = gematik::pinStatus(card, kMrpinHome).verified;
    }
    return status;
  }

  void verifyPin(CardConnection& card, const SecretBytes& pin) const override {
    gematik::verifyPin(card, kMrpinHome, pin);
  }

  std::vector<Certificate> readCertificates(CardConnection& card) const override {
    return gematik::readAuthenticationCertificates(card, kAuthenticationKeys, settings_);
  }

  Bytes signWithAuthenticationKey(CardConnection& card, ByteView hash,
                                  SignatureScheme scheme) const override {
    return gematik::signWithAuthenticationKey(card, kAuthenticationKeys, hash, scheme);
  }

  // Role authentication with PrK.eGK.AUT_CVC.E256, which needs no PIN.
  CardAuthenticityProof proveAuthenticity(CardConnection& card,
                                          ByteView challengeDigest) const override {
    return egk::proveAuthenticity(card, challengeDigest, settings_);
  }

 private:
  gematik::ReadSettings settings_;
};

}  // namespace

std::unique_ptr<CardDriver> makeEgkDriver() {
  return makeEgkDriver(gematik::ReadSettings{});
}

std::unique_ptr<CardDriver> makeEgkDriver(const gematik::ReadSettings& settings) {
  return std::make_unique<EgkDriver>(settings);
}

}  // namespace hcbridge::drivers
