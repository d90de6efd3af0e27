#include "vitale_driver.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

#include "card_io.hpp"
#include "hcbridge/drivers.hpp"
#include "hcbridge/error.hpp"
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

// As cardpeek sends them (vitale.md §5): P2 00 (FCI) with Le 00. The FCI is
// not used; on a T=0 card the transport fetches it with GET RESPONSE.
apdu::CommandApdu selectByAid(ByteView aid) {
  return {0x00, 0xA4, 0x04, 0x00, Bytes(aid.begin(), aid.end()), apdu::kShortMaxNe};
}

apdu::CommandApdu selectEf(std::uint16_t fid) {
  return {0x00,
          0xA4,
          0x02,
          0x00,
          Bytes{static_cast<std::uint8_t>(fid >> 8), static_cast<std::uint8_t>(fid & 0xFF)},
          apdu::kShortMaxNe};
}

[[noreturn]] void badStatus(const std::string& what, std::uint16_t sw) {
  char code[8];
  std::snprintf(code, sizeof code, "%04X", static_cast<unsigned>(sw));
  throw Error(Errc::CardDataInvalid,
              what + ": the card answered " + code + " (" + apdu::statusWordName(sw) + ")",
              "The Carte Vitale's content is not laid out as expected. If the card works in "
              "other software, report it with the output of 'hcbridge readers --json'.");
}

// Status words a card without the application may give.
bool applicationMissing(std::uint16_t sw) {
  return sw == 0x6A82 || sw == 0x6A86 || sw == 0x6D00 || sw == 0x6E00 || sw == 0x6A81;
}

Bytes readCurrentEf(CardConnection& card, std::string_view name) {
  ReadOptions options;
  options.maxSize = kMaxFileSize;
  return readTransparent(card, std::nullopt, name, options);
}

// EF 2F02 of MF_VITALE (the application must be current). Missing or
// unreadable: no serial.
std::string readSerial(CardConnection& card) {
  const auto selected = card.transmit(selectEf(kPanFid));
  if (selected.sw != 0x9000) return {};
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
  CardKind kind() const override { return CardKind::Patient; }

  AtrMatch matchAtr(ByteView atr) const override {
    // 3B 75 13 00 00 ?? 09 ?A 90 00 (vitale.md §1).
    static constexpr std::array<std::uint8_t, 10> kValue = {0x3B, 0x75, 0x13, 0x00, 0x00,
                                                            0x00, 0x09, 0x0A, 0x90, 0x00};
    static constexpr std::array<std::uint8_t, 10> kMask = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
                                                           0x00, 0xFF, 0x0F, 0xFF, 0xFF};
    if (atr.size() != kValue.size()) return AtrMatch::No;
    for (std::size_t i = 0; i < kValue.size(); ++i) {
      if ((atr[i] & kMask[i]) != kValue[i]) return AtrMatch::No;
    }
    return AtrMatch::Yes;
  }

  bool probe(CardConnection& card) const override {
    return card.transmit(selectByAid(vitaleAid())).sw == 0x9000;
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
  if (selected.sw != 0x9000) {
    if (applicationMissing(selected.sw)) {
      throw Error(Errc::CardUnsupported,
                  "The card has a Carte Vitale ATR but no VITALE application",
                  "Check that the card is a Carte Vitale 2 (Vitale 1 cards are not supported).");
    }
    badStatus("VITALE application", selected.sw);
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
      if (answer.sw != 0x9000) {
        if (isMfVitale && !hasFiles) continue;
        badStatus("application " + toHex(app.aid) + " listed in EF 2001", answer.sw);
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
  if (!serialTried && card.transmit(selectByAid(mfVitaleAid())).sw == 0x9000) {
    serial = readSerial(card);
  }

  if (data.beneficiaries.empty()) {
    throw Error(Errc::CardDataInvalid,
                "EF 2001: the files it lists hold no beneficiary (template 65)",
                "The Carte Vitale's content is not laid out as expected. If the card works in "
                "other software, report it with the output of 'hcbridge readers --json'.");
  }

  PatientCard model;
  model.cardType = "vitale";
  model.generation = "Vitale 2";
  model.cardSerial = serial;
  model.beneficiaries = std::move(data.beneficiaries);
  model.coverageStart = data.coverageStart;
  model.coverageEnd = data.coverageEnd;
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
