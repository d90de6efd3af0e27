#include "vitale_driver.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

#include "card_io.hpp"
#include "hcbridge/atr.hpp"
#include "hcbridge/error.hpp"
#include "hcbridge/iso_commands.hpp"
#include "vitale_data.hpp"

namespace hcbridge::drivers {
namespace vitale {
namespace {

constexpr std::size_t kMaxFileSize = 8192;

ByteView vitaleAid() {
  return ByteView(kVitaleAid, sizeof kVitaleAid);
}
ByteView mfVitaleAid() {
  return ByteView(kMfVitaleAid, sizeof kMfVitaleAid);
}

std::string fidName(std::uint16_t fid) {
  char text[16];
  std::snprintf(text, sizeof text, "EF %04X", static_cast<unsigned>(fid));
  return text;
}

// As cardpeek sends them (docs/cards-french.md, Carte Vitale 2 "What is read"): P2 00 (FCI) with Le
// 00. The FCI is not used; on a T=0 card the transport fetches it with GET RESPONSE.
apdu::CommandApdu selectByAid(ByteView aid) {
  return apdu::selectByAid(aid, apdu::SelectAnswer::Fci);
}

apdu::CommandApdu selectEf(std::uint16_t fid) {
  return apdu::selectByFid(fid, apdu::FidScope::EfUnderCurrentDf, apdu::SelectAnswer::Fci);
}

const char* const kHint =
    "The Carte Vitale's content is not laid out as expected. If the card works in other "
    "software, report it with the output of 'hcbridge readers --json'.";

// Status words a card without the application may give.
bool applicationMissing(std::uint16_t status) {
  using namespace apdu::sw;
  return status == kFileNotFound || status == kWrongP1P2 || status == kInsNotSupported ||
         status == kClaNotSupported || status == kFunctionNotSupported;
}

// docs/cards-french.md, Carte Vitale 2 "Recognition". The byte after 09 varies in its high nibble,
// the one before it entirely.
constexpr atr::MaskedAtr kAtrRows[] = {
    {"3B 75 13 00 00 00 09 0A 90 00", "FF FF FF FF FF 00 FF 0F FF FF", "Carte Vitale 2",
     "pcsc-tools smartcard_list.txt: 3B 75 13 00 00 ?? 09 ?A 90 00"},
};

Bytes readCurrentEf(CardConnection& card, std::string_view name) {
  ReadOptions options;
  options.maxSize = kMaxFileSize;
  return readTransparent(card, std::nullopt, name, options);
}

// EF 2F02 of MF_VITALE (the application must be current). Missing or
// unreadable: no serial.
std::string readSerial(CardConnection& card) {
  const auto selected = card.transmit(selectEf(kPanFid));
  if (selected.sw != apdu::sw::kSuccess) return {};
  try {
    ReadOptions options;
    options.maxSize = 64;
    return parsePan(readTransparent(card, std::nullopt, "EF 2F02", options));
  } catch (const Error& e) {
    if (e.code() == Errc::CardDataInvalid) return {};
    throw;
  }
}

std::string isoDate(const std::string& yyyymmdd) {
  return yyyymmdd.substr(0, 4) + "-" + yyyymmdd.substr(4, 2) + "-" + yyyymmdd.substr(6, 2);
}

class VitaleDriver final : public CardDriver {
 public:
  std::string_view id() const override { return "vitale"; }
  std::string_view displayName() const override { return "Carte Vitale 2"; }
  std::string_view shortName() const override { return "carte Vitale"; }
  CardKind kind() const override { return CardKind::Patient; }

  AtrMatch matchAtr(ByteView atr) const override {
    return atr::findMatch(atr, kAtrRows) != nullptr ? AtrMatch::Yes : AtrMatch::No;
  }

  bool probe(CardConnection& card) const override {
    return card.transmit(selectByAid(vitaleAid())).sw == apdu::sw::kSuccess;
  }

  CardModel read(CardConnection& card) const override { return readCard(card, todayUtc()); }

  PinStatus pinStatus(CardConnection&) const override { unsupported("PIN status"); }
  void verifyPin(CardConnection&, const SecretBytes&) const override {
    unsupported("PIN verification");
  }
  std::vector<Certificate> readCertificates(CardConnection&) const override {
    unsupported("certificates");
  }
  Bytes signWithAuthenticationKey(CardConnection&, ByteView, SignatureScheme) const override {
    unsupported("signatures");
  }
  // hcbridge's simulated cards only: the function is invented.
  CardAuthenticityProof proveAuthenticity(CardConnection& card,
                                          ByteView challengeDigest) const override {
    return vitale::proveAuthenticity(card, challengeDigest);
  }

 private:
  [[noreturn]] static void unsupported(std::string_view what) {
    throw Error(Errc::OperationUnsupported,
                "A Carte Vitale offers no " + std::string(what) + " in hcbridge",
                "PIN, certificate and signature operations need a practitioner card (CPS).");
  }
};

}  // namespace

std::string todayUtc() {
  const auto now = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now());
  const std::chrono::year_month_day date{now};
  char text[16];
  std::snprintf(text, sizeof text, "%04d%02u%02u", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()));
  return text;
}

PatientCard readCard(CardConnection& card, std::string_view todayYyyymmdd) {
  // 1. The VITALE application: also the check that this is a Vitale 2.
  const auto selected = card.transmit(selectByAid(vitaleAid()));
  if (selected.sw != apdu::sw::kSuccess) {
    if (applicationMissing(selected.sw)) {
      throw Error(Errc::CardUnsupported,
                  "The card has a Carte Vitale ATR but no VITALE application",
                  "Check that the card is a Carte Vitale 2 (Vitale 1 cards are not supported).");
    }
    throwUnexpectedStatus("VITALE application", selected.sw, kHint);
  }
  // 2. The pointer file lists the applications and their data files.
  sendExpectingSuccess(card, selectEf(kPointerFid), "EF 2001");
  const PointerFile pointer = parsePointerFile(readCurrentEf(card, "EF 2001"));

  // 3. Each application's files, one application at a time.
  VitaleData data;
  Bytes currentAid(vitaleAid().begin(), vitaleAid().end());
  std::string serial;
  bool serialTried = false;
  const Bytes mfVitale(mfVitaleAid().begin(), mfVitaleAid().end());
  for (const auto& app : pointer.applications) {
    const bool isMfVitale = app.aid == mfVitale;
    const bool hasFiles =
        std::any_of(pointer.files.begin(), pointer.files.end(),
                    [&](const PointerFile::DataFile& f) { return f.applicationRef == app.ref; });
    if (!hasFiles && !isMfVitale) continue;
    if (app.aid != currentAid) {
      const auto answer = card.transmit(selectByAid(app.aid));
      if (answer.sw != apdu::sw::kSuccess) {
        if (isMfVitale && !hasFiles) continue;
        throwUnexpectedStatus("application " + toHex(app.aid) + " listed in EF 2001", answer.sw,
                              kHint);
      }
      currentAid = app.aid;
    }
    for (const auto& file : pointer.files) {
      if (file.applicationRef != app.ref) continue;
      const std::string name = fidName(file.fid) + " (" + file.label + ")";
      sendExpectingSuccess(card, selectEf(file.fid), name + " listed in EF 2001");
      parseDataFile(readCurrentEf(card, name), name, data);
    }
    if (isMfVitale) {
      serial = readSerial(card);
      serialTried = true;
    }
  }
  // 4. The serial (EF 2F02 of MF_VITALE) when the pointer did not list MF_VITALE.
  if (!serialTried && card.transmit(selectByAid(mfVitaleAid())).sw == apdu::sw::kSuccess) {
    serial = readSerial(card);
  }

  if (data.beneficiaries.empty()) {
    throwCardDataInvalid("EF 2001", "the files it lists hold no beneficiary (template 65)", kHint);
  }

  PatientCard model;
  model.cardType = "vitale";
  model.generation = "Vitale 2";
  model.cardSerial = serial;
  model.beneficiaries = std::move(data.beneficiaries);
  model.coverageStart = data.coverageStart;
  model.coverageEnd = data.coverageEnd;
  model.identifierNote = "card data for reimbursement; not a qualified INS.";
  if (!model.cardSerial.empty()) model.inventedFields.emplace_back(kInventedCardSerial);
  if (!model.coverageEnd.empty()) model.inventedFields.emplace_back(kInventedCoverageEnd);
  for (const int rank : data.invalidNirRanks) {
    model.warnings.push_back("The NIR of beneficiary " + std::to_string(rank) +
                             " on the card fails its key check.");
  }
  if (!model.coverageEnd.empty() && todayYyyymmdd.size() == 8 &&
      model.coverageEnd < todayYyyymmdd) {
    model.warnings.push_back("The card's validity ended on " + isoDate(model.coverageEnd) + ".");
  }
  return model;
}

}  // namespace vitale

std::unique_ptr<CardDriver> makeVitaleDriver() {
  return std::make_unique<vitale::VitaleDriver>();
}

}  // namespace hcbridge::drivers
