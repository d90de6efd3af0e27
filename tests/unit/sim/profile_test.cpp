// Profile JSON: the built-in profiles and an error naming the field for every
// kind of malformed input.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "sim_test_support.hpp"

namespace hcbridge::sim::testing {
namespace {

using nlohmann::json;

// A small valid profile to break one field at a time.
json validProfile() {
  return json::parse(R"({
    "name": "unit", "description": "invented TEST data for unit tests",
    "atr": "3B 02 14 50", "protocol": "T=1",
    "mf": {"fid": "3F00", "children": [
      {"type": "EF", "fid": "2F01", "data": "01 02"},
      {"type": "records", "fid": "2F02", "sfi": "1D", "records": ["01", "02 03"]},
      {"type": "DF", "fid": "DF01", "aid": "F0 01 02 03 04", "children": [
        {"type": "EF", "fid": "0001", "text": "héllo", "read": "pin:01"}]}
    ]},
    "pins": [{"ref": "01", "value": "1234", "maxTries": 3, "puk": "87654321"}],
    "dataObjects": {"0101": "AA BB"}
  })");
}

void expectInvalid(const json& document, std::string_view field) {
  expectError([&] { parseProfile(document.dump()); }, Errc::ProfileInvalid, field);
}

TEST(SimProfile, BuiltinNames) {
  const auto names = builtinProfileNames();
  EXPECT_NE(std::find(names.begin(), names.end(), "generic"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "generic-t0"), names.end());
  for (const auto& name : names) {
    const Profile profile = loadProfile(name);
    EXPECT_EQ(profile.name, name);
    EXPECT_NE(profile.description.find("TEST"), std::string::npos);
  }
}

TEST(SimProfile, GenericContent) {
  const Profile profile = loadProfile("generic");
  EXPECT_EQ(profile.protocol, Protocol::T1);
  ASSERT_EQ(profile.pins.size(), 1u);
  EXPECT_EQ(profile.pins[0].ref, 0x01);
  EXPECT_EQ(profile.pins[0].value, bytesOf("1234"));
  EXPECT_EQ(profile.pins[0].maxTries, 3);
  ASSERT_TRUE(profile.pins[0].puk);
  EXPECT_EQ(*profile.pins[0].puk, bytesOf("12345678"));
  ASSERT_EQ(profile.keys.size(), 1u);
  EXPECT_EQ(profile.keys[0].ref, 0x82);
  EXPECT_EQ(profile.keys[0].use.kind, AccessRule::Kind::Pin);
  const FileNode* serial = findFile(profile.mf, {0x2F02});
  ASSERT_NE(serial, nullptr);
  EXPECT_EQ(serial->sfi, std::optional<std::uint8_t>(0x02));
  EXPECT_EQ(serial->data.size(), 12u);
  const FileNode* big = findFile(profile.mf, {0xDF01, 0x1001});
  ASSERT_NE(big, nullptr);
  EXPECT_EQ(big->data.size(), 600u);
  EXPECT_EQ(findFile(profile.mf, {0xDF01, 0x1004})->read.kind, AccessRule::Kind::Never);
  EXPECT_EQ(loadProfile("generic-t0").protocol, Protocol::T0);
}

TEST(SimProfile, ParsesAllFields) {
  const Profile profile = parseProfile(validProfile().dump());
  EXPECT_EQ(profile.atr, fromHex("3B 02 14 50"));
  const FileNode* records = findFile(profile.mf, {0x2F02});
  ASSERT_NE(records, nullptr);
  EXPECT_EQ(records->type, FileNode::Type::RecordEF);
  EXPECT_EQ(records->records.size(), 2u);
  EXPECT_EQ(records->sfi, std::optional<std::uint8_t>(0x1D));
  const FileNode* text = findFile(profile.mf, {0xDF01, 0x0001});
  ASSERT_NE(text, nullptr);
  EXPECT_EQ(text->data, bytesOf("h\xC3\xA9llo"));  // UTF-8 bytes
  EXPECT_EQ(text->read.kind, AccessRule::Kind::Pin);
  EXPECT_EQ(text->read.pinRef, 0x01);
  EXPECT_EQ(findFile(profile.mf, {0xDF01})->aid, fromHex("F0 01 02 03 04"));
  EXPECT_EQ(profile.dataObjects.at(0x0101), fromHex("AA BB"));
  EXPECT_EQ(profile.pins.at(0).triesLeft, 3);
  EXPECT_EQ(profile.pins.at(0).pukMaxTries, 10);
}

TEST(SimProfile, InvalidJsonSyntax) {
  expectError([] { parseProfile("{\"name\": "); }, Errc::ProfileInvalid, "not valid JSON");
}

TEST(SimProfile, NumbersOutOfRangeAndDeepNestingAreInvalidJson) {
  expectError([] { parseProfile(R"({"name": 1e400})"); }, Errc::ProfileInvalid,
              "(profile): not valid JSON: ");
  expectError([] { parseProfile(std::string(100000, '[')); }, Errc::ProfileInvalid,
              "(profile): not valid JSON: nested deeper than 64 levels");
}

TEST(SimProfile, MissingName) {
  json document = validProfile();
  document.erase("name");
  expectInvalid(document, "name: missing");
}

TEST(SimProfile, DescriptionMustMentionTestData) {
  json document = validProfile();
  document["description"] = "a card";
  expectInvalid(document, "description:");
}

TEST(SimProfile, AtrMustBeHex) {
  json document = validProfile();
  document["atr"] = "3B ZZ";
  expectInvalid(document, "atr: expected hex");
  document["atr"] = "12 34";
  expectInvalid(document, "atr: must start with 3B");
  document["atr"] = 5;
  expectInvalid(document, "atr: expected a string");
}

TEST(SimProfile, Protocol) {
  json document = validProfile();
  document["protocol"] = "T=2";
  expectInvalid(document, "protocol: expected \"T=0\" or \"T=1\"");
}

TEST(SimProfile, UnknownFieldIsNamed) {
  json document = validProfile();
  document["mf"]["children"][0]["fidd"] = "2F01";
  expectInvalid(document, "mf.children[0].fidd: unknown field");
  document = validProfile();
  document["comment"] = "comments are fine";
  document["_note"] = "so are underscore fields";
  EXPECT_NO_THROW(parseProfile(document.dump()));
}

TEST(SimProfile, FidMustBeFourHexDigits) {
  json document = validProfile();
  document["mf"]["children"][2]["fid"] = "DF0";
  expectInvalid(document, "mf.children[2].fid: expected 4 hex digits");
  document["mf"]["children"][2]["fid"] = "DF0102";
  expectInvalid(document, "mf.children[2].fid: expected 4 hex digits");
}

TEST(SimProfile, NestedFieldPath) {
  json document = validProfile();
  document["mf"]["children"][2]["children"][0]["read"] = "sometimes";
  expectInvalid(document, "mf.children[2].children[0].read: expected \"always\"");
}

TEST(SimProfile, FileType) {
  json document = validProfile();
  document["mf"]["children"][1]["type"] = "linear";
  expectInvalid(document, "mf.children[1].type: expected \"DF\", \"EF\" or \"records\"");
  document["mf"]["children"][1].erase("type");
  expectInvalid(document, "mf.children[1].type: missing");
}

TEST(SimProfile, SfiRange) {
  json document = validProfile();
  document["mf"]["children"][1]["sfi"] = "1F";
  expectInvalid(document, "mf.children[1].sfi: expected 01 to 1E");
  document["mf"]["children"][1]["sfi"] = "001";
  expectInvalid(document, "mf.children[1].sfi: expected 2 hex digits");
}

TEST(SimProfile, RecordsMustBeHex) {
  json document = validProfile();
  document["mf"]["children"][1]["records"][1] = "xyz";
  expectInvalid(document, "mf.children[1].records[1]: expected hex");
  document["mf"]["children"][1]["records"] = "01";
  expectInvalid(document, "mf.children[1].records: expected an array");
}

TEST(SimProfile, DataAndTextExcludeEachOther) {
  json document = validProfile();
  document["mf"]["children"][0]["text"] = "x";
  expectInvalid(document, "mf.children[0]: give either data or text");
}

TEST(SimProfile, DuplicateFid) {
  json document = validProfile();
  document["mf"]["children"][1]["fid"] = "2F01";
  expectInvalid(document, "mf.children[1].fid: FID used twice");
}

TEST(SimProfile, AidLength) {
  json document = validProfile();
  document["mf"]["children"][2]["aid"] = "00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F 10";
  expectInvalid(document, "mf.children[2].aid: expected hex bytes (1 to 16 bytes)");
}

TEST(SimProfile, AccessRuleNeedsADefinedPin) {
  json document = validProfile();
  document["mf"]["children"][0]["read"] = "pin:02";
  expectInvalid(document, "mf.children[0].read: PIN 02 is not defined");
}

TEST(SimProfile, PinFields) {
  json document = validProfile();
  document["pins"][0]["ref"] = "1";
  expectInvalid(document, "pins[0].ref: expected 2 hex digits");
  document = validProfile();
  document["pins"][0]["format"] = "bcd";
  expectInvalid(document, "pins[0].format: expected \"ascii\" or \"format2\"");
  document = validProfile();
  document["pins"][0]["maxTries"] = 0;
  expectInvalid(document, "pins[0].maxTries: expected an integer from 1 to 15");
  document = validProfile();
  document["pins"][0]["triesLeft"] = 4;
  expectInvalid(document, "pins[0].triesLeft: expected an integer from 0 to 3");
  document = validProfile();
  document["pins"][0].erase("value");
  expectInvalid(document, "pins[0].value: missing");
  document = validProfile();
  document["pins"][0]["format"] = "format2";
  document["pins"][0]["value"] = "12a4";
  expectInvalid(document, "pins[0].value: format2 needs 4 to 12 decimal digits");
  document = validProfile();
  document["pins"][0]["valueHex"] = "31 32";
  expectInvalid(document, "pins[0]: give either value or valueHex");
}

TEST(SimProfile, PinValueHexAndTriesLeft) {
  json document = validProfile();
  document["pins"][0].erase("value");
  document["pins"][0]["valueHex"] = "24 12 34 FF FF FF FF FF";
  document["pins"][0]["triesLeft"] = 1;
  const Profile profile = parseProfile(document.dump());
  EXPECT_EQ(profile.pins[0].value, fromHex("24 12 34 FF FF FF FF FF"));
  EXPECT_EQ(profile.pins[0].triesLeft, 1);
}

TEST(SimProfile, KeyFields) {
  json document = validProfile();
  document["keys"] = json::array({{{"ref", "82"}, {"pem", "not a key"}, {"use", "always"}}});
  expectInvalid(document, "keys[0].pem: not an unencrypted RSA or EC private key");
  document["keys"][0].erase("pem");
  expectInvalid(document, "keys[0]: give exactly one of pem or pemFile");
  document["keys"][0]["pemFile"] = "does-not-exist.pem";
  expectInvalid(document, "keys[0].pemFile: cannot read");
  document["keys"][0]["ref"] = "8";
  expectInvalid(document, "keys[0].ref: expected 2 hex digits");
}

TEST(SimProfile, KeyUseIsRequiredAndChecked) {
  const Profile generic = loadProfile("generic");
  json document = validProfile();
  document["keys"] = json::array({{{"ref", "82"}, {"pem", generic.keys[0].privateKeyPem}}});
  expectInvalid(document, "keys[0].use: missing");
  document["keys"][0]["use"] = "pin:05";
  expectInvalid(document, "keys[0].use: PIN 05 is not defined");
  document["keys"][0]["use"] = "pin:01";
  EXPECT_NO_THROW(parseProfile(document.dump()));
}

TEST(SimProfile, PemFileRelativeToTheProfile) {
  const Profile generic = loadProfile("generic");
  const auto dir = std::filesystem::temp_directory_path() /
                   ("hcbridge-sim-profile-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir / "keys");
  std::ofstream(dir / "keys" / "test.pem") << generic.keys[0].privateKeyPem;
  json document = validProfile();
  document["keys"] =
      json::array({{{"ref", "82"}, {"pemFile", "keys/test.pem"}, {"use", "always"}}});
  std::ofstream(dir / "card.json") << document.dump(2);

  const Profile profile = loadProfile((dir / "card.json").string());
  ASSERT_EQ(profile.keys.size(), 1u);
  EXPECT_EQ(profile.keys[0].privateKeyPem, generic.keys[0].privateKeyPem);
  Card card(profile);
  EXPECT_EQ(sw(card, "00 22 41 B6 03 84 01 82"), 0x9000);

  // Errors from a file name the file too.
  document["atr"] = "zz";
  std::ofstream(dir / "bad.json") << document.dump(2);
  expectError([&] { loadProfile((dir / "bad.json").string()); }, Errc::ProfileInvalid,
              "bad.json: atr: expected hex");
  std::filesystem::remove_all(dir);
}

TEST(SimProfile, PemAsArrayOfLines) {
  const Profile generic = loadProfile("generic");
  json lines = json::array();
  std::string line;
  for (const char c : generic.keys[0].privateKeyPem) {
    if (c == '\n') {
      lines.push_back(line);
      line.clear();
    } else {
      line += c;
    }
  }
  json document = validProfile();
  document["keys"] = json::array({{{"ref", "82"}, {"pem", lines}, {"use", "always"}}});
  EXPECT_NO_THROW(parseProfile(document.dump()));
}

TEST(SimProfile, DataObjectNames) {
  json document = validProfile();
  document["dataObjects"]["01"] = "AA";
  expectInvalid(document, "dataObjects.01: expected 4 hex digits");
  document = validProfile();
  document["dataObjects"]["0102"] = "GG";
  expectInvalid(document, "dataObjects.0102: expected hex");
}

TEST(SimProfile, MfMustBeAnObjectWithFid3F00) {
  json document = validProfile();
  document["mf"] = json::array();
  expectInvalid(document, "mf: expected an object");
  document = validProfile();
  document["mf"]["fid"] = "3F01";
  expectInvalid(document, "mf.fid: the MF's FID is 3F00");
}

TEST(SimProfile, EfNeedsAnIdentifier) {
  json document = validProfile();
  document["mf"]["children"][0].erase("fid");
  expectInvalid(document, "mf.children[0]: an EF needs a fid or an sfi");
}

TEST(SimProfile, UnknownNameListsTheBuiltins) {
  expectError([] { loadProfile("no-such-card"); }, Errc::ProfileInvalid, "generic, generic-t0");
}

}  // namespace
}  // namespace hcbridge::sim::testing
