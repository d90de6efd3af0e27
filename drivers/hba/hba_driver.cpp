// The HBA driver (Heilberufsausweis G2 / G2.1): the practitioner's identity
// from the authentication certificate (no PIN), PIN.CH, certificates and
// signatures with PrK.HP.AUT.* (docs/cards-german.md "What the HBA driver reads", "PIN,
// certificates, signatures").
#include "hba_driver.hpp"

#include <string>

#include "egk_parsers.hpp"
#include "gematik_card.hpp"
#include "hba_certificate.hpp"
#include "hcbridge/error.hpp"
#include "hcbridge/iso_commands.hpp"

namespace hcbridge::drivers {
namespace {

constexpr std::uint8_t kPinCh = 0x01;
// In DF.ESIGN: EF.C.HP.AUT.E256 (SFI 06), EF.C.HP.AUT.R2048 (SFI 01) and
// PrK.HP.AUT.E256 / .R2048 (80 | keyId).
constexpr gematik::AuthenticationKeys kAuthenticationKeys{
    "HBA", 0x06, "C.HP.AUT.E256", 0x01, "C.HP.AUT.R2048", 0x86, 0x82};

ByteView bytes(const std::uint8_t* data, std::size_t size) {
  return ByteView(data, size);
}

bool selectEsign(CardConnection& card) {
  return gematik::select(card, bytes(gematik::kEsignAid, sizeof gematik::kEsignAid), "DF.ESIGN");
}

class HbaDriver final : public CardDriver {
 public:
  explicit HbaDriver(const gematik::ReadSettings& settings) : settings_(settings) {}

  std::string_view id() const override { return "hba"; }
  std::string_view displayName() const override { return "HBA (Heilberufsausweis)"; }
  std::string_view shortName() const override { return "HBA"; }
  CardKind kind() const override { return CardKind::Practitioner; }

  AtrMatch matchAtr(ByteView atr) const override { return gematik::matchAtr(atr); }

  bool probe(CardConnection& card) const override {
    return card.transmit(apdu::selectByAid(gematik::kHbaMfAid, apdu::SelectAnswer::None)).sw ==
           apdu::sw::kSuccess;
  }

  // SELECT MF, EF.Version2, EF.GDO, SELECT DF.ESIGN, the AUT certificate of
  // the generation (G2.1: C.HP.AUT.E256, G2: C.HP.AUT.R2048).
  CardModel read(CardConnection& card) const override {
    if (!gematik::select(card, bytes(gematik::kHbaMfAid, sizeof gematik::kHbaMfAid), "HBA MF")) {
      throw Error(Errc::CardUnsupported, "This card is not an HBA (no HBA master file)");
    }
    const Bytes version2 =
        *gematik::readObjectFile(card, gematik::kSfiVersion2, "EF.Version2", false, settings_);
    const Bytes gdo = *gematik::readObjectFile(card, gematik::kSfiGdo, "EF.GDO", false, settings_);
    const egk::CardVersion version = egk::parseVersion2(version2);
    const std::string iccsn = egk::parseGdo(gdo);
    if (!selectEsign(card)) {
      throw Error(Errc::CardDataInvalid, "DF.ESIGN: the HBA has no signature application");
    }
    const bool ecc = version.generation == "G2.1";
    const std::string label(ecc ? kAuthenticationKeys.certLabelE256
                                : kAuthenticationKeys.certLabelR2048);
    const std::string file = "EF." + label;
    Bytes der = *gematik::readObjectFile(
        card, ecc ? kAuthenticationKeys.certSfiE256 : kAuthenticationKeys.certSfiR2048, file, false,
        settings_);
    const hba::HbaIdentity identity = hba::parseHbaCertificate(der, file);

    PractitionerCard model;
    model.cardType = "hba";
    model.generation = version.generation;
    model.cardSerial = iccsn;
    model.surname = identity.surname;
    model.givenNames = identity.givenName;
    model.title = identity.title;
    model.profession = identity.profession;
    model.professionCode = identity.professionOid;
    model.registrationNumber = identity.registrationNumber;
    // The HBA's admission registrationNumber is its Telematik-ID.
    model.telematikId = identity.registrationNumber;
    if (!model.telematikId.empty())
      model.professionalId = TypedId{"telematik-id", model.telematikId};
    model.pinBlockedHint =
        "Unblock the PIN with the card's PUK (in the HBA issuer's card software) or ask the card "
        "issuer (Landesaerztekammer) for help.";
    model.certificates.push_back({label, std::move(der)});
    return model;
  }

  PinStatus pinStatus(CardConnection& card) const override {
    return gematik::pinStatus(card, kPinCh);
  }

  void verifyPin(CardConnection& card, const SecretBytes& pin) const override {
    gematik::verifyPin(card, kPinCh, pin);
  }

  std::vector<Certificate> readCertificates(CardConnection& card) const override {
    return gematik::readAuthenticationCertificates(card, kAuthenticationKeys, settings_);
  }

  Bytes signWithAuthenticationKey(CardConnection& card, ByteView hash,
                                  SignatureScheme scheme) const override {
    return gematik::signWithAuthenticationKey(card, kAuthenticationKeys, hash, scheme);
  }

 private:
  gematik::ReadSettings settings_;
};

}  // namespace

std::unique_ptr<CardDriver> makeHbaDriver() {
  return makeHbaDriver(gematik::ReadSettings{});
}

std::unique_ptr<CardDriver> makeHbaDriver(const gematik::ReadSettings& settings) {
  return std::make_unique<HbaDriver>(settings);
}

}  // namespace hcbridge::drivers
