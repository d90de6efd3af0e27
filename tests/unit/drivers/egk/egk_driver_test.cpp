// The eGK driver against gematik's card images served by the simulator.
#include "egk_driver.hpp"

#include <gtest/gtest.h>

#include "egk_parsers.hpp"
#include "german_test_support.hpp"
#include "hba_driver.hpp"
#include "hcbridge_test/gematik_images.hpp"

namespace hcbridge::testing {
namespace {

class EgkDriver : public GematikImagesTest<> {};

const Bytes kHash = fromHex("9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08");

PatientCard readEgk(CardConnection& connection) {
  const auto model = drivers::makeEgkDriver()->read(connection);
  EXPECT_TRUE(std::holds_alternative<PatientCard>(model));
  return std::get<PatientCard>(model);
}

PatientCard readImage(sim::Profile profile) {
  SimCard sim(std::move(profile));
  return readEgk(*sim.connection);
}

void expectDoria(const PatientCard& card) {
  EXPECT_EQ(card.cardType, "egk");
  EXPECT_EQ(card.generation, "G2.1");
  EXPECT_EQ(card.cardSerial, "80276883110000095711");
  ASSERT_EQ(card.beneficiaries.size(), 1u);
  const Person& person = card.beneficiaries[0];
  EXPECT_EQ(person.givenNames, "Annegret-Heidemarie Sina Tina Karla");
  EXPECT_EQ(person.surname, "\xC3\x90oria");  // Ðoria: ISO-8859-15 D0
  EXPECT_EQ(person.nameSuffix, "Freifrau");
  EXPECT_EQ(person.title, "");
  EXPECT_EQ(person.namePrefix, "");
  EXPECT_EQ(person.birthDate, "19880401");
  EXPECT_EQ(person.sex, "F");
  ASSERT_TRUE(person.address.has_value());
  EXPECT_EQ(person.address->street, "M\xC3\xBChlenstr.");
  EXPECT_EQ(person.address->houseNumber, "1");
  EXPECT_EQ(person.address->postalCode, "26826");
  EXPECT_EQ(person.address->city, "Weener");
  EXPECT_EQ(person.address->country, "D");
  EXPECT_EQ(card.insurer.name, "gematik Musterkasse1GKV");
  EXPECT_EQ(card.insurer.code, "999567890");
  EXPECT_EQ(card.insurer.countryCode, "D");
  EXPECT_EQ(card.coverageStart, "20180621");
  EXPECT_EQ(card.coverageEnd, "");
  ASSERT_TRUE(card.egk.has_value());
  const EgkDetails& egk = *card.egk;
  EXPECT_EQ(egk.insuranceNumber, "X110408667");
  EXPECT_EQ(egk.billingInsurer.code, "991734566");
  EXPECT_EQ(egk.billingInsurer.name, "gematik Musterkasse1GKV");
  EXPECT_EQ(egk.insuredType, "1");
  EXPECT_EQ(egk.wop, "17");
  EXPECT_EQ(egk.cdmVersion, "5.2.0");
  EXPECT_FALSE(egk.statusVd.updateInProgress);
  EXPECT_EQ(egk.statusVd.lastUpdateUtc, "20180621083554");
  EXPECT_EQ(egk.statusVd.schemaVersion, "5.2.0");
  EXPECT_EQ(egk.statusVd.structureVersion, "3.0.4");
  EXPECT_EQ(egk.statusVd.raw, fromHex("30 3230313830363231303833353534 0050020000 0030000004"));
  EXPECT_TRUE(card.warnings.empty());
}

TEST_F(EgkDriver, ReadsTheG21EccImage) {
  SimCard sim(kEgkEcc);
  expectDoria(readEgk(*sim.connection));
}

TEST_F(EgkDriver, ReadsTheGuDImageLikeTheEccOne) {
  SimCard sim(kEgkGuD);
  expectDoria(readEgk(*sim.connection));
}

struct Expected {
  const char* image;
  const char* title;
  const char* given;
  const char* surname;
  const char* suffix;
  const char* id;
  const char* born;
  const char* sex;
  const char* street;
  const char* house;
  const char* postalCode;
  const char* city;
  const char* billing;
  const char* start;
  const char* iccsn;
};

// Test names show the card's ICCSN, not the struct's bytes.
void PrintTo(const Expected& expected, std::ostream* out) {
  *out << expected.iccsn;
}

class EgkImages : public GematikImagesTest<::testing::TestWithParam<Expected>> {};

TEST_P(EgkImages, ReadsTheTableValues) {
  const Expected& e = GetParam();
  SimCard sim(e.image);
  ShortApduConnection shortApdus(*sim.connection);
  const std::size_t before = sim.card->commandCount();
  const PatientCard card = readEgk(shortApdus);
  EXPECT_EQ(sim.card->commandCount() - before, 9u);  // PD and VD take 2 READ BINARY each
  EXPECT_EQ(card.generation, "G2");
  EXPECT_EQ(card.cardSerial, e.iccsn);
  ASSERT_EQ(card.beneficiaries.size(), 1u);
  const Person& person = card.beneficiaries[0];
  EXPECT_EQ(person.title, e.title);
  EXPECT_EQ(person.givenNames, e.given);
  EXPECT_EQ(person.surname, e.surname);
  EXPECT_EQ(person.nameSuffix, e.suffix);
  EXPECT_EQ(person.birthDate, e.born);
  EXPECT_EQ(person.sex, e.sex);
  ASSERT_TRUE(person.address.has_value());
  EXPECT_EQ(person.address->street, e.street);
  EXPECT_EQ(person.address->houseNumber, e.house);
  EXPECT_EQ(person.address->postalCode, e.postalCode);
  EXPECT_EQ(person.address->city, e.city);
  EXPECT_EQ(person.address->country, "D");
  EXPECT_EQ(card.insurer.code, "999567890");
  EXPECT_EQ(card.insurer.name, "gematik Musterkasse1GKV");
  EXPECT_EQ(card.coverageStart, e.start);
  EXPECT_EQ(card.coverageEnd, "");
  ASSERT_TRUE(card.egk.has_value());
  EXPECT_EQ(card.egk->insuranceNumber, e.id);
  EXPECT_EQ(card.egk->billingInsurer.code, e.billing);
  EXPECT_EQ(card.egk->statusVd.schemaVersion, "5.2.0");
}

INSTANTIATE_TEST_SUITE_P(
    TableOfTheFactSheet, EgkImages,
    ::testing::Values(Expected{kEgk17222, "Prof. Dr.", "Tina", "Heckhaus\xC3\xA9n", "",
                               "X110359890", "19580513", "F", "Bahnhofstr.", "39 b", "36110",
                               "Schlitz", "995134569", "20150803", "80276883110000017222"},
                      Expected{kEgk17333, "Dr.", "Felicitas Claudette", "Dallmayer", "",
                               "X110372962", "19370327", "F", "Kieshecker Weg", "100", "40468",
                               "D\xC3\xBCsseldorf", "994034565", "20150803",
                               "80276883110000017333"},
                      Expected{kEgk218486, "", "Brian", "Hoffm\xC3\xA2nn", "Freiherr", "X110646712",
                               "19740127", "M", "Tangstedter Landstr.", "49", "22415", "Hamburg",
                               "991534564", "20200427", "80276883110000218486"}),
    // Named by the card's ICCSN: stable test names (the default prints the bytes).
    [](const ::testing::TestParamInfo<Expected>& instance) {
      return std::string(instance.param.iccsn);
    });

TEST_F(EgkDriver, RecognisesTheCardByAidProbe) {
  const auto egk = drivers::makeEgkDriver();
  const auto hba = drivers::makeHbaDriver();
  SimCard sim(kEgkEcc);
  EXPECT_EQ(egk->matchAtr(sim.connection->atr()), AtrMatch::Maybe);
  EXPECT_EQ(egk->matchAtr(fromHex("3B 90 18 81 B1 FE 45 1F 03 1F")), AtrMatch::Maybe);
  EXPECT_EQ(egk->matchAtr(fromHex("3B 8D 01 80 73 B6 21 40 57 48 43 42 2D 53 49 4D CC")),
            AtrMatch::No);  // historical bytes: not an eGK
  EXPECT_EQ(egk->matchAtr(fromHex("3B")), AtrMatch::No);
  EXPECT_TRUE(egk->probe(*sim.connection));
  EXPECT_FALSE(hba->probe(*sim.connection));
}

// docs/cards-german.md "APDUs of a first read": SELECT MF, EF.Version2, EF.GDO, SELECT DF.HCA,
// EF.StatusVD, then EF.PD and EF.VD up to their declared lengths.
TEST_F(EgkDriver, FirstReadSendsTheMinimumOfApdus) {
  {
    SimCard sim(kEgkEcc);
    ShortApduConnection shortApdus(*sim.connection);
    const std::size_t before = sim.card->commandCount();
    readEgk(shortApdus);
    // Le 00: EF.PD 403 bytes and EF.VD up to endVD (348 bytes) take 2 READ BINARY each.
    EXPECT_EQ(sim.card->commandCount() - before, 9u);
  }
  {
    SimCard sim(kEgkEcc);
    const std::size_t before = sim.card->commandCount();
    readEgk(*sim.connection);  // SimTransport allows extended Le: one READ BINARY per file
    EXPECT_EQ(sim.card->commandCount() - before, 7u);
  }
}

TEST_F(EgkDriver, ChunkSizeIsConfigurable) {
  SimCard sim(kEgkEcc);
  ShortApduConnection recorder(*sim.connection);
  const std::size_t before = sim.card->commandCount();
  const auto model = drivers::makeEgkDriver({128, true})->read(recorder);
  expectDoria(std::get<PatientCard>(model));
  EXPECT_EQ(recorder.largestRead, 128u);
  // PD: 4 x 128 for 403 bytes, VD: 3 x 128 for 348 bytes.
  EXPECT_EQ(sim.card->commandCount() - before, 12u);

  // Extended APDUs not wanted although the connection allows them.
  SimCard other(kEgkEcc);
  const std::size_t start = other.card->commandCount();
  drivers::makeEgkDriver({254, false})->read(*other.connection);
  EXPECT_EQ(other.card->commandCount() - start, 9u);
}

TEST_F(EgkDriver, WrongPinCountsDownAndBlocks) {
  SimCard sim(kEgkEcc);
  const auto egk = drivers::makeEgkDriver();
  PinStatus status = egk->pinStatus(*sim.connection);
  EXPECT_EQ(status.triesLeft, 3);
  EXPECT_EQ(status.maxTries, 3);
  EXPECT_FALSE(status.verified);
  EXPECT_EQ(status.state, "regular");
  const SecretBytes wrong(std::string_view("654321"));
  for (int left : {2, 1}) {
    try {
      egk->verifyPin(*sim.connection, wrong);
      ADD_FAILURE() << "wrong PIN accepted";
    } catch (const PinError& e) {
      EXPECT_EQ(e.code(), Errc::PinIncorrect);
      EXPECT_EQ(e.retriesLeft(), left);
    }
    EXPECT_EQ(egk->pinStatus(*sim.connection).triesLeft, left);
  }
  expectError([&] { egk->verifyPin(*sim.connection, wrong); }, Errc::PinBlocked, "blocked");
  status = egk->pinStatus(*sim.connection);
  EXPECT_TRUE(status.blocked);
  EXPECT_EQ(status.triesLeft, 0);
  expectError([&] { egk->verifyPin(*sim.connection, SecretBytes(std::string_view("123456"))); },
              Errc::PinBlocked, "blocked");
}

TEST_F(EgkDriver, RightPinVerifiesMrpinHome) {
  SimCard sim(kEgkEcc);
  const auto egk = drivers::makeEgkDriver();
  EXPECT_THROW(egk->verifyPin(*sim.connection, SecretBytes(std::string_view("654321"))), PinError);
  egk->verifyPin(*sim.connection, SecretBytes(std::string_view("123456")));
  const PinStatus status = egk->pinStatus(*sim.connection);
  EXPECT_TRUE(status.verified);
  EXPECT_EQ(status.triesLeft, 3);  // a right PIN restores the counter
  EXPECT_EQ(sim.card->pinTriesLeft(0x01), 3);
}

TEST_F(EgkDriver, MalformedPinIsRejectedWithoutUsingATry) {
  SimCard sim(kEgkEcc);
  const auto egk = drivers::makeEgkDriver();
  for (const char* pin : {"1234", "123456789", "12345a"}) {
    expectError([&] { egk->verifyPin(*sim.connection, SecretBytes(std::string_view(pin))); },
                Errc::BadRequest, "6 to 8 digits");
  }
  EXPECT_EQ(sim.card->pinTriesLeft(0x01), 3);
}

TEST_F(EgkDriver, SignsWithTheE256AndR2048AuthenticationKeys) {
  SimCard sim(kEgkEcc);
  const auto egk = drivers::makeEgkDriver();
  expectError(
      [&] { egk->signWithAuthenticationKey(*sim.connection, kHash, SignatureScheme::EcdsaSha256); },
      Errc::PinRequired, "PIN must be verified");
  egk->verifyPin(*sim.connection, SecretBytes(std::string_view("123456")));
  const PinStatus status = egk->pinStatus(*sim.connection);
  EXPECT_TRUE(status.verified);
  EXPECT_EQ(status.triesLeft, 3);

  const auto certificates = egk->readCertificates(*sim.connection);
  ASSERT_EQ(certificates.size(), 2u);
  EXPECT_EQ(certificates[0].label, "C.CH.AUT.E256");
  EXPECT_EQ(certificates[1].label, "C.CH.AUT.R2048");

  const Bytes ecdsa =
      egk->signWithAuthenticationKey(*sim.connection, kHash, SignatureScheme::EcdsaSha256);
  EXPECT_EQ(ecdsa.size(), 64u);
  EXPECT_TRUE(verifiesWith(certificates[0].der, kHash, ecdsa));
  EXPECT_FALSE(verifiesWith(certificates[1].der, kHash, ecdsa));

  const Bytes rsa =
      egk->signWithAuthenticationKey(*sim.connection, kHash, SignatureScheme::RsaPkcs1Sha256);
  EXPECT_EQ(rsa.size(), 256u);
  EXPECT_TRUE(verifiesWith(certificates[1].der, kHash, rsa));
  Bytes otherHash = kHash;
  otherHash[0] ^= 1;
  EXPECT_FALSE(verifiesWith(certificates[1].der, otherHash, rsa));

  expectError(
      [&] {
        egk->signWithAuthenticationKey(*sim.connection, Bytes(20, 1), SignatureScheme::EcdsaSha256);
      },
      Errc::BadRequest, "32 bytes");
}

TEST_F(EgkDriver, G2CardHasRsaOnly) {
  SimCard sim(kEgk17222);
  const auto egk = drivers::makeEgkDriver();
  const auto certificates = egk->readCertificates(*sim.connection);
  ASSERT_EQ(certificates.size(), 1u);
  EXPECT_EQ(certificates[0].label, "C.CH.AUT.R2048");
  egk->verifyPin(*sim.connection, SecretBytes(std::string_view("123456")));
  expectError(
      [&] { egk->signWithAuthenticationKey(*sim.connection, kHash, SignatureScheme::EcdsaSha256); },
      Errc::OperationUnsupported, "ECC");
  const Bytes rsa =
      egk->signWithAuthenticationKey(*sim.connection, kHash, SignatureScheme::RsaPkcs1Sha256);
  EXPECT_TRUE(verifiesWith(certificates[0].der, kHash, rsa));
}

TEST_F(EgkDriver, CertificatesOfTheFactSheet) {
  SimCard sim(kEgkEcc);
  const auto certificates = drivers::makeEgkDriver()->readCertificates(*sim.connection);
  ASSERT_EQ(certificates.size(), 2u);
  EXPECT_EQ(certificates[0].der.size(), 885u);
  EXPECT_EQ(certificates[1].der.size(), 1262u);
  const auto e256 = parseCertificate(certificates[0].der);
  ASSERT_TRUE(e256);
  const base::BignumHandle serial(ASN1_INTEGER_to_BN(X509_get0_serialNumber(e256.get()), nullptr));
  char* hex = BN_bn2hex(serial.get());
  EXPECT_STREQ(hex, "16DD8B1F6C1F");
  OPENSSL_free(hex);
  char issuer[256];
  X509_NAME_get_text_by_NID(X509_get_issuer_name(e256.get()), NID_commonName, issuer,
                            sizeof issuer);
  EXPECT_STREQ(issuer, "GEM.EGK-CA10 TEST-ONLY");
}

TEST_F(EgkDriver, CardPulledMidReadGivesCardRemovedAndNoModel) {
  // Pull the card after each of the 7 commands of a read in turn.
  for (std::size_t pullAfter = 1; pullAfter <= 7; ++pullAfter) {
    SimCard sim(kEgkEcc);
    const std::size_t start = sim.card->commandCount();
    sim.card->setCommandHook([&, pullAfter](std::size_t count) {
      if (count - start == pullAfter) sim.transport.removeCard(0);
    });
    std::optional<CardModel> model;
    expectError([&] { model = drivers::makeEgkDriver()->read(*sim.connection); }, Errc::CardRemoved,
                "removed");
    EXPECT_FALSE(model.has_value()) << pullAfter;
  }
}

// --- corrupted images: CardDataInvalid naming the file, no model ---

void expectInvalid(sim::Profile profile, const std::string& file) {
  SimCard sim(std::move(profile));
  std::optional<CardModel> model;
  expectError([&] { model = drivers::makeEgkDriver()->read(*sim.connection); },
              Errc::CardDataInvalid, file);
  EXPECT_FALSE(model.has_value());
}

TEST_F(EgkDriver, BadGzipInPd) {
  sim::Profile profile = gematikImage(kEgkEcc);
  Bytes& pd = fileIn(profile, {kHca}, 0xD001).data;
  pd[2 + 200] ^= 0x55;  // inside the deflate data
  expectInvalid(std::move(profile), "EF.PD");
}

TEST_F(EgkDriver, TruncatedGzipInPd) {
  sim::Profile profile = gematikImage(kEgkEcc);
  Bytes& pd = fileIn(profile, {kHca}, 0xD001).data;
  pd.resize(300);  // the header still says 401 gzip bytes
  expectInvalid(std::move(profile), "EF.PD");
}

TEST_F(EgkDriver, BadXmlInPd) {
  sim::Profile profile = gematikImage(kEgkEcc);
  const Bytes gzip = gzipOf("<?xml version=\"1.0\"?><UC_PersoenlicheVersichertendatenXML><Vers");
  Bytes pd{static_cast<std::uint8_t>(gzip.size() >> 8), static_cast<std::uint8_t>(gzip.size())};
  pd.insert(pd.end(), gzip.begin(), gzip.end());
  fileIn(profile, {kHca}, 0xD001).data = pd;
  expectInvalid(std::move(profile), "EF.PD");
}

TEST_F(EgkDriver, PdWithoutInsuranceNumber) {
  sim::Profile profile = gematikImage(kEgkEcc);
  const Bytes gzip = gzipOf(
      "<UC_PersoenlicheVersichertendatenXML><Versicherter><Person><Vorname>A</Vorname>"
      "<Nachname>B</Nachname><Geburtsdatum>20000101</Geburtsdatum></Person></Versicherter>"
      "</UC_PersoenlicheVersichertendatenXML>");
  Bytes pd{static_cast<std::uint8_t>(gzip.size() >> 8), static_cast<std::uint8_t>(gzip.size())};
  pd.insert(pd.end(), gzip.begin(), gzip.end());
  fileIn(profile, {kHca}, 0xD001).data = pd;
  expectInvalid(std::move(profile), "EF.PD: Versicherten_ID");
}

TEST_F(EgkDriver, VdOffsetsOutOfRange) {
  sim::Profile profile = gematikImage(kEgkEcc);
  Bytes& vd = fileIn(profile, {kHca}, 0xD002).data;
  vd[2] = 0x0F;  // endVD 0F5B, far beyond the file
  expectInvalid(profile, "EF.VD");
  vd[2] = 0x00;
  vd[3] = 0x04;  // endVD before startVD
  expectInvalid(std::move(profile), "EF.VD");
}

TEST_F(EgkDriver, VdEndOffsetIsInclusive) {
  // Cutting [start, end) loses the last gzip byte: the reader must not.
  sim::Profile profile = gematikImage(kEgkEcc);
  Bytes& vd = fileIn(profile, {kHca}, 0xD002).data;
  vd[3] = static_cast<std::uint8_t>(vd[3] - 1);  // endVD one byte early: truncated gzip
  expectInvalid(std::move(profile), "EF.VD");
}

TEST_F(EgkDriver, GarbageStatusVdAndVersion) {
  sim::Profile profile = gematikImage(kEgkEcc);
  fileIn(profile, {kHca}, 0xD00C).data[0] = 'X';
  expectInvalid(std::move(profile), "EF.StatusVD");

  sim::Profile shortStatus = gematikImage(kEgkEcc);
  fileIn(shortStatus, {kHca}, 0xD00C).data.resize(20);
  expectInvalid(std::move(shortStatus), "EF.StatusVD");

  sim::Profile version = gematikImage(kEgkEcc);
  fileIn(version, {}, 0x2F11).data = fromHex("EF 03 C0 01 00");
  expectInvalid(std::move(version), "EF.Version2");

  sim::Profile gdo = gematikImage(kEgkEcc);
  fileIn(gdo, {}, 0x2F02).data = fromHex("5A 0A 80 27 68 83 11 00 00 09 57 1F");
  expectInvalid(std::move(gdo), "EF.GDO");
}

TEST_F(EgkDriver, UpdateInProgressIsAWarning) {
  sim::Profile profile = gematikImage(kEgkEcc);
  fileIn(profile, {kHca}, 0xD00C).data[0] = '1';
  const PatientCard card = readImage(std::move(profile));
  EXPECT_TRUE(card.egk->statusVd.updateInProgress);
  ASSERT_EQ(card.warnings.size(), 1u);
  EXPECT_NE(card.warnings[0].find("EF.StatusVD"), std::string::npos);
}

TEST_F(EgkDriver, TruncatedCertificate) {
  sim::Profile profile = gematikImage(kEgkEcc);
  fileIn(profile, {kEsign}, 0xC504).data.resize(500);
  SimCard sim(std::move(profile));
  expectError([&] { drivers::makeEgkDriver()->readCertificates(*sim.connection); },
              Errc::CardDataInvalid, "EF.C.CH.AUT.E256");

  sim::Profile garbled = gematikImage(kEgkEcc);
  fileIn(garbled, {kEsign}, 0xC500).data[4] = 0x31;  // TBSCertificate is no SEQUENCE
  SimCard other(std::move(garbled));
  expectError([&] { drivers::makeEgkDriver()->readCertificates(*other.connection); },
              Errc::CardDataInvalid, "EF.C.CH.AUT.R2048");
}

}  // namespace
}  // namespace hcbridge::testing
