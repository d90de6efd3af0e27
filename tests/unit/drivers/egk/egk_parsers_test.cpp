// The eGK file parsers on their own: framing, gzip, encodings, XML variants.
#include "egk_parsers.hpp"

#include <gtest/gtest.h>

#include "german_test_support.hpp"

namespace hcbridge::testing {
namespace {

using namespace drivers::egk;

Bytes pdFile(std::string_view xml) {
  const Bytes gzip = gzipOf(xml);
  Bytes file{static_cast<std::uint8_t>(gzip.size() >> 8), static_cast<std::uint8_t>(gzip.size())};
  file.insert(file.end(), gzip.begin(), gzip.end());
  file.resize(file.size() + 50, 0x00);  // zero padding after the declared length
  return file;
}

Bytes bytesOf(std::string_view text) {
  return Bytes(text.begin(), text.end());
}

TEST(EgkParsers, Latin9DiffersFromLatin1InEightPlaces) {
  EXPECT_EQ(latin9ToUtf8("\xA4\xA6\xA8\xB4\xB8\xBC\xBD\xBE"),
            "\xE2\x82\xAC\xC5\xA0\xC5\xA1\xC5\xBD\xC5\xBE\xC5\x92\xC5\x93\xC5\xB8");
  EXPECT_EQ(latin9ToUtf8("\xD0\xFC\xE9 a\xA3"), "\xC3\x90\xC3\xBC\xC3\xA9 a\xC2\xA3");
}

TEST(EgkParsers, XmlEncodingFollowsTheProlog) {
  EXPECT_EQ(xmlToUtf8(bytesOf("<?xml version=\"1.0\" encoding=\"ISO-8859-15\"?><a>\xA4</a>"), "f"),
            "<?xml version=\"1.0\" encoding=\"ISO-8859-15\"?><a>\xE2\x82\xAC</a>");
  EXPECT_EQ(xmlToUtf8(bytesOf("<?xml version='1.0' encoding='iso-8859-1'?><a>\xA4</a>"), "f"),
            "<?xml version='1.0' encoding='iso-8859-1'?><a>\xC2\xA4</a>");
  EXPECT_EQ(xmlToUtf8(bytesOf("<a>\xA4</a>"), "f"), "<a>\xE2\x82\xAC</a>");  // default Latin-9
  EXPECT_EQ(xmlToUtf8(bytesOf("<?xml version=\"1.0\" encoding=\"UTF-8\"?><a>\xC3\x90</a>"), "f"),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><a>\xC3\x90</a>");
  expectError(
      [] { xmlToUtf8(bytesOf("<?xml version=\"1.0\" encoding=\"UTF-8\"?><a>\xD0</a>"), "EF.X"); },
      Errc::CardDataInvalid, "EF.X");
  expectError([] { xmlToUtf8(bytesOf("<?xml version=\"1.0\" encoding=\"EBCDIC\"?><a/>"), "EF.X"); },
              Errc::CardDataInvalid, "EF.X");
}

TEST(EgkParsers, GunzipChecksTheStream) {
  const Bytes gzip = gzipOf("hello");
  EXPECT_EQ(gunzip(gzip, "EF.T"), bytesOf("hello"));
  Bytes corrupt = gzip;
  corrupt[corrupt.size() - 6] ^= 1;  // CRC32
  expectError([&] { gunzip(corrupt, "EF.T"); }, Errc::CardDataInvalid, "EF.T");
  Bytes truncated(gzip.begin(), gzip.end() - 1);
  expectError([&] { gunzip(truncated, "EF.T"); }, Errc::CardDataInvalid, "truncated");
  expectError(
      [] { gunzip(fromHex("78 9C 01 00 00 FF FF 00 00 00 00 00 00 00 00 00 00 00"), "EF.T"); },
      Errc::CardDataInvalid, "not gzip");
  const Bytes bomb = gzipOf(std::string(kMaxXmlSize + 1, 'a'));
  expectError([&] { gunzip(bomb, "EF.T"); }, Errc::CardDataInvalid, "more than");
}

TEST(EgkParsers, DeclaredLengths) {
  EXPECT_EQ(pdDeclaredLength(fromHex("01")), std::nullopt);
  EXPECT_EQ(pdDeclaredLength(fromHex("0191")), 403u);
  expectError([] { pdDeclaredLength(fromHex("0000")); }, Errc::CardDataInvalid, "EF.PD");
  EXPECT_EQ(vdDeclaredLength(fromHex("0008015B015C")), std::nullopt);
  EXPECT_EQ(vdDeclaredLength(fromHex("0008015B015C023D")), 0x15Cu);
  expectError([] { vdDeclaredLength(fromHex("0004015B015C023D")); }, Errc::CardDataInvalid,
              "EF.VD");
}

TEST(EgkParsers, StatusVd) {
  const EgkStatusVd status =
      parseStatusVd(fromHex("31 3230323430313032303330343035 0050100001 0030000106"));
  EXPECT_TRUE(status.updateInProgress);
  EXPECT_EQ(status.lastUpdateUtc, "20240102030405");
  EXPECT_EQ(status.schemaVersion, "5.10.1");
  EXPECT_EQ(status.structureVersion, "3.0.106");
  expectError([] { parseStatusVd(fromHex("30 32303234303130323033303430 0050020000 0030000004")); },
              Errc::CardDataInvalid, "EF.StatusVD");  // 24 bytes
  expectError(
      [] { parseStatusVd(fromHex("30 3230323430313032303330343A 0050020000 0030000004 00")); },
      Errc::CardDataInvalid, "update time");
  expectError(
      [] { parseStatusVd(fromHex("30 3230323430313032303330343035 3050020000 00300000A4")); },
      Errc::CardDataInvalid, "BCD");
}

TEST(EgkParsers, Version2AndGdo) {
  const CardVersion g21 =
      parseVersion2(fromHex("ef2bc003020000c103040401c21045474b32315f47325f53494d5f010300c403010000"
                            "c503020000c703010000"));
  EXPECT_EQ(g21.generation, "G2.1");
  EXPECT_EQ(g21.major, 4);
  EXPECT_EQ(g21.minor, 4);
  EXPECT_EQ(g21.patch, 1);
  EXPECT_EQ(g21.productIdentifier, "EGK21_G2_SIM_");
  EXPECT_EQ(parseVersion2(fromHex("EF 05 C1 03 04 03 02")).generation, "G2");
  EXPECT_EQ(parseVersion2(fromHex("EF 05 C1 03 04 05 00 00 00")).generation, "G2.1");
  EXPECT_EQ(parseVersion2(fromHex("EF 05 C1 03 03 00 00")).generation, "G1");
  expectError([] { parseVersion2(fromHex("EF 04 C1 02 04 04")); }, Errc::CardDataInvalid, "C1");
  expectError([] { parseVersion2(fromHex("EF 10 C1")); }, Errc::CardDataInvalid, "EF.Version2");
  EXPECT_EQ(parseGdo(fromHex("5A0A80276883110000095711")), "80276883110000095711");
  expectError([] { parseGdo(fromHex("5A0980276883110000095711")); }, Errc::CardDataInvalid,
              "EF.GDO");
}

TEST(EgkParsers, PersonalDataVariants) {
  // VSD 5.1: prefixed namespace, post box address, name prefix.
  PatientCard card;
  applyPersonalData(
      "<?xml version=\"1.0\"?><vsdp:UC_PersoenlicheVersichertendatenXML CDM_VERSION=\"5.1.0\" "
      "xmlns:vsdp=\"http://ws.gematik.de/fa/vsds/UC_PersoenlicheVersichertendatenXML/v5.1\">"
      "<vsdp:Versicherter><vsdp:Versicherten_ID>A123456789</vsdp:Versicherten_ID><vsdp:Person>"
      "<vsdp:Geburtsdatum>19700100</vsdp:Geburtsdatum><vsdp:Vorname> Max </vsdp:Vorname>"
      "<vsdp:Nachname>Muster</vsdp:Nachname><vsdp:Vorsatzwort>von</vsdp:Vorsatzwort>"
      "<vsdp:Geschlecht>X</vsdp:Geschlecht><vsdp:PostfachAdresse><vsdp:Postleitzahl>10117"
      "</vsdp:Postleitzahl><vsdp:Ort>Berlin</vsdp:Ort><vsdp:Postfach>12 34</vsdp:Postfach>"
      "<vsdp:Land><vsdp:Wohnsitzlaendercode>D</vsdp:Wohnsitzlaendercode></vsdp:Land>"
      "</vsdp:PostfachAdresse></vsdp:Person></vsdp:Versicherter>"
      "</vsdp:UC_PersoenlicheVersichertendatenXML>",
      card);
  ASSERT_EQ(card.beneficiaries.size(), 1u);
  EXPECT_EQ(card.beneficiaries[0].givenNames, "Max");
  EXPECT_EQ(card.beneficiaries[0].namePrefix, "von");
  EXPECT_EQ(card.beneficiaries[0].sex, "X");
  EXPECT_EQ(card.beneficiaries[0].birthDate, "19700100");
  EXPECT_EQ(card.beneficiaries[0].address->postBox, "12 34");
  EXPECT_EQ(card.beneficiaries[0].address->city, "Berlin");
  EXPECT_EQ(card.egk->insuranceNumber, "A123456789");
  EXPECT_EQ(card.egk->cdmVersion, "5.1.0");

  PatientCard other;
  expectError([&] { applyPersonalData("<UC_AllgemeineVersicherungsdatenXML/>", other); },
              Errc::CardDataInvalid, "EF.PD");
  expectError([&] { applyPersonalData("<a><b></a>", other); }, Errc::CardDataInvalid, "EF.PD");
  // An entity defined in a DTD is not expanded (no DTD processing at all).
  expectError(
      [&] {
        applyPersonalData(
            "<!DOCTYPE a [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
            "<UC_PersoenlicheVersichertendatenXML><Versicherter><Versicherten_ID>&x;"
            "</Versicherten_ID></Versicherter></UC_PersoenlicheVersichertendatenXML>",
            other);
      },
      Errc::CardDataInvalid, "EF.PD");
}

TEST(EgkParsers, InsuranceDataWithEnd) {
  PatientCard card;
  applyInsuranceData(
      "<UC_AllgemeineVersicherungsdatenXML CDM_VERSION=\"5.2.0\"><Versicherter>"
      "<Versicherungsschutz><Beginn>20200101</Beginn><Ende>20251231</Ende><Kostentraeger>"
      "<Kostentraegerkennung>101234567</Kostentraegerkennung><Name>TEST BKK</Name>"
      "</Kostentraeger><AbrechnenderKostentraeger><Kostentraegerkennung>109999999"
      "</Kostentraegerkennung></AbrechnenderKostentraeger></Versicherungsschutz>"
      "</Versicherter></UC_AllgemeineVersicherungsdatenXML>",
      card);
  EXPECT_EQ(card.coverageStart, "20200101");
  EXPECT_EQ(card.coverageEnd, "20251231");
  EXPECT_EQ(card.insurer.name, "TEST BKK");
  EXPECT_EQ(card.egk->billingInsurer.code, "109999999");
  EXPECT_EQ(card.egk->insuredType, "");
  expectError(
      [&] {
        applyInsuranceData(
            "<UC_AllgemeineVersicherungsdatenXML><Versicherter><Versicherungsschutz>"
            "<Beginn>2020</Beginn></Versicherungsschutz></Versicherter>"
            "</UC_AllgemeineVersicherungsdatenXML>",
            card);
      },
      Errc::CardDataInvalid, "EF.VD: Beginn");
}

TEST(EgkParsers, PdFramingIgnoresThePadding) {
  const std::string xml =
      "<?xml version=\"1.0\" encoding=\"ISO-8859-15\"?><UC_PersoenlicheVersichertendatenXML>"
      "<Versicherter><Versicherten_ID>A123456789</Versicherten_ID></Versicherter>"
      "</UC_PersoenlicheVersichertendatenXML>";
  EXPECT_EQ(personalDataXml(pdFile(xml)), xml);
  Bytes shortFile = pdFile(xml);
  shortFile.resize(20);
  expectError([&] { personalDataXml(shortFile); }, Errc::CardDataInvalid, "EF.PD");
}

TEST(EgkParsers, MessagesHoldNoPersonalData) {
  // A malformed insurance number is reported without its value.
  PatientCard card;
  try {
    applyPersonalData(
        "<UC_PersoenlicheVersichertendatenXML><Versicherter><Versicherten_ID>Z12345</"
        "Versicherten_ID>"
        "<Person><Vorname>Secret</Vorname><Nachname>Person</Nachname><Geburtsdatum>19990101"
        "</Geburtsdatum></Person></Versicherter></UC_PersoenlicheVersichertendatenXML>",
        card);
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).find("Z12345"), std::string::npos);
  }
}

TEST(EgkParsers, TheInsuredIsFoundByTheKvnr) {
  PatientCard card;
  applyPersonalData(
      "<?xml version=\"1.0\"?><UC_PersoenlicheVersichertendatenXML CDM_VERSION=\"5.2.0\">"
      "<Versicherter><Versicherten_ID>A123456789</Versicherten_ID><Person>"
      "<Geburtsdatum>19700101</Geburtsdatum><Vorname>Max</Vorname><Nachname>Muster</Nachname>"
      "</Person></Versicherter></UC_PersoenlicheVersichertendatenXML>",
      card);
  ASSERT_EQ(card.beneficiaries.size(), 1u);
  ASSERT_TRUE(card.beneficiaries[0].patientId);
  EXPECT_EQ(card.beneficiaries[0].patientId->idType, "kvnr");
  EXPECT_EQ(card.beneficiaries[0].patientId->id, "A123456789");
  EXPECT_TRUE(card.identifierNote.empty());
}

}  // namespace
}  // namespace hcbridge::testing
