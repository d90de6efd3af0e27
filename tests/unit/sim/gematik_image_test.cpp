// The gematik XML card-image loader and the engine features the images need:
// DF-specific PINs and keys, multireference PINs, GET PIN STATUS, format-2
// checks, access-rule expressions, FCP with the logical end.
#include "hcbridge/sim/gematik_image.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>

#include "hcbridge/error.hpp"
#include "hcbridge/tlv.hpp"
#include "hcbridge_test/gematik_images.hpp"
#include "sim_test_support.hpp"

namespace hcbridge::sim::testing {
namespace {

class GematikImage : public hcbridge::testing::GematikImagesTest<> {};

const std::filesystem::path kImages = HCBRIDGE_GEMATIK_IMAGES;

const Profile& image(const std::string& file) {
  static std::map<std::string, Profile> cache;
  auto it = cache.find(file);
  if (it == cache.end()) it = cache.emplace(file, loadGematikImage(kImages / file)).first;
  return it->second;
}

std::unique_ptr<Card> egk() {
  return std::make_unique<Card>(image("EGK_G2_1_ecc.xml"));
}
std::unique_ptr<Card> hba() {
  return std::make_unique<Card>(image("HBA_G2_1_80276883110000205690_gema5.xml"));
}

const FileNode* childByAid(const FileNode& df, const Bytes& aid) {
  for (const auto& child : df.children) {
    if (child.aid == aid) return &child;
  }
  return nullptr;
}

constexpr std::string_view kSelectMf = "00 A4 04 0C 07 D2 76 00 01 44 80 00";
constexpr std::string_view kSelectEsign = "00 A4 04 0C 0A A0 00 00 01 67 45 53 49 47 4E";
constexpr std::string_view kPin123456 = "26 12 34 56 FF FF FF FF";

TEST_F(GematikImage, MapsTheEgkObjectSystem) {
  const Profile& profile = image("EGK_G2_1_ecc.xml");
  EXPECT_EQ(profile.name, "EGK_G2_1_ecc");
  EXPECT_EQ(profile.atr, fromHex("3BD096FF81B1FE451F032E"));
  EXPECT_EQ(profile.mf.aid, fromHex("D2760001448000"));
  const FileNode* hca = childByAid(profile.mf, fromHex("D27600000102"));
  ASSERT_NE(hca, nullptr);
  const FileNode* pd = findFile(*hca, {0xD001});
  ASSERT_NE(pd, nullptr);
  EXPECT_EQ(pd->data.size(), 0x193u);  // positionLogicalEndOfFile, not the body
  EXPECT_EQ(pd->capacity, 0x352u);
  EXPECT_EQ(pd->sfi, 0x01);
  EXPECT_EQ(pd->read.kind, AccessRule::Kind::Always);
  EXPECT_EQ(pd->update.kind, AccessRule::Kind::Never);  // secure messaging only
  // EF.GVD: OR{PWD(02), AND{PWD(01), AUTCHAT}, AUTCHAT, SM...} -> PWD(02)
  const FileNode* gvd = findFile(*hca, {0xD003});
  ASSERT_NE(gvd, nullptr);
  EXPECT_EQ(gvd->read.kind, AccessRule::Kind::Pin);
  EXPECT_EQ(gvd->read.pinRef, 0x02);
  // The flawed CVC file: a 775-byte body, 220 bytes declared and served.
  EXPECT_EQ(findFile(profile.mf, {0x2F07})->data.size(), 220u);

  const auto pin = std::find_if(profile.pins.begin(), profile.pins.end(),
                                [](const PinSpec& p) { return p.ref == 0x01; });
  ASSERT_NE(pin, profile.pins.end());
  EXPECT_EQ(pin->value, fromHex(kPin123456));
  EXPECT_EQ(pin->maxTries, 3);
  EXPECT_EQ(pin->puk, fromHex("28 12 34 56 78 FF FF FF"));
  EXPECT_EQ(pin->pukMaxTries, 10);
  EXPECT_TRUE(pin->format2Checked);
  EXPECT_EQ(pin->minLength, 6);
  EXPECT_EQ(pin->maxLength, 8);
  const auto home = std::find_if(profile.pins.begin(), profile.pins.end(),
                                 [](const PinSpec& p) { return p.ref == 0x02; });
  ASSERT_NE(home, profile.pins.end());
  EXPECT_EQ(home->sharesWith, 0x01);

  const auto key = std::find_if(profile.keys.begin(), profile.keys.end(),
                                [](const KeySpec& k) { return k.ref == 0x84; });
  ASSERT_NE(key, profile.keys.end());
  EXPECT_EQ(key->dfAid, fromHex("A000000167455349474E"));
  EXPECT_EQ(key->use.kind, AccessRule::Kind::Pin);
  EXPECT_EQ(key->use.pinRef, 0x02);
  // Placeholder keys ("AttributeNotSet") are left out.
  EXPECT_TRUE(std::none_of(profile.keys.begin(), profile.keys.end(),
                           [](const KeySpec& k) { return k.ref == 0x88; }));
}

TEST_F(GematikImage, EveryImageLoadsQuickly) {
  for (const char* file :
       {"EGK_G2_1_ecc.xml", "EGK_G2_1_80276883110000095711_GuD.xml",
        "EGKG2_80276883110000017222_gema5.xml", "EGKG2_80276883110000017333_gema5.xml",
        "E021D-A5Tp_432_80276883110000218486.xml", "HBAG2_80276883110000017289_gema5.xml",
        "HBA_G2_1_80276883110000205690_gema5.xml"}) {
    const auto start = std::chrono::steady_clock::now();
    Profile profile = loadProfile((kImages / file).string());  // dispatches on .xml
    Card card(std::move(profile));
    const auto elapsed = std::chrono::steady_clock::now() - start;
    EXPECT_LT(elapsed, std::chrono::seconds(1)) << file;
    EXPECT_EQ(sw(card, "00 A4 04 04 00"), 0x9000) << file;
  }
}

TEST_F(GematikImage, ServesTheFilesWithoutPin) {
  auto card = egk();
  ASSERT_EQ(sw(*card, kSelectMf), 0x9000);
  const Reply version = send(*card, "00 B0 91 00 00");
  EXPECT_EQ(version.sw, 0x6282);
  EXPECT_EQ(version.data.size(), 0x2Du);
  const Reply gdo = send(*card, "00 B0 82 00 00");
  EXPECT_EQ(gdo.data, fromHex("5A0A80276883110000095711"));
  ASSERT_EQ(sw(*card, "00 A4 04 0C 06 D2 76 00 00 01 02"), 0x9000);
  EXPECT_EQ(send(*card, "00 B0 8C 00 00").data.size(), 25u);
  EXPECT_EQ(sw(*card, "00 B0 83 00 00"), 0x6982);  // EF.GVD needs MRPIN.home
}

TEST_F(GematikImage, RootSelectionReturnsTheFcpWithTheMfAid) {
  auto card = egk();
  const Reply root = send(*card, "00 A4 04 04 00");
  ASSERT_EQ(root.sw, 0x9000);
  const auto fcp = tlv::parse(root.data);
  ASSERT_EQ(fcp.size(), 1u);
  ASSERT_NE(fcp[0].find(0x84), nullptr);
  EXPECT_EQ(fcp[0].find(0x84)->value, fromHex("D2760001448000"));

  ASSERT_EQ(sw(*card, "00 A4 04 0C 06 D2 76 00 00 01 02"), 0x9000);
  const Reply pd = send(*card, "00 A4 02 04 02 D0 01 00");
  ASSERT_EQ(pd.sw, 0x9000);
  const auto template62 = tlv::parse(pd.data);
  EXPECT_EQ(template62[0].find(0x80)->value, fromHex("0352"));
  EXPECT_EQ(template62[0].find(0xC5)->value, fromHex("0193"));
  EXPECT_EQ(template62[0].find(0x88)->value, fromHex("08"));
}

TEST_F(GematikImage, MultireferencePinSharesTheCounterButNotTheStatus) {
  auto card = egk();
  EXPECT_EQ(sw(*card, "80 20 00 01"), 0x63C3);
  EXPECT_EQ(sw(*card, "00 20 00 02 08 26 65 43 21 FF FF FF FF"), 0x63C2);
  EXPECT_EQ(sw(*card, "80 20 00 01"), 0x63C2);  // PIN.CH's counter
  EXPECT_EQ(card->pinTriesLeft(0x01), 2);
  EXPECT_EQ(sw(*card, std::string("00 20 00 02 08 ") + std::string(kPin123456)), 0x9000);
  EXPECT_EQ(sw(*card, "80 20 00 02"), 0x9000);
  EXPECT_EQ(sw(*card, "80 20 00 01"), 0x63C3);  // PIN.CH itself is not verified
  EXPECT_EQ(card->pinTriesLeft(0x01), 3);
}

TEST_F(GematikImage, GetPinStatusOnlyForClass80AndWithoutData) {
  auto card = egk();
  EXPECT_EQ(sw(*card, "80 20 00 05"), 0x63C3);  // MRPIN.GDD
  EXPECT_EQ(sw(*card, "80 20 00 55"), 0x6A88);
  EXPECT_EQ(sw(*card, "80 20 01 01"), 0x6A86);
  EXPECT_EQ(sw(*card, "80 20 00 01 08 26 12 34 56 FF FF FF FF"), 0x6700);
  EXPECT_EQ(sw(*card, "80 B0 00 00 00"), 0x6E00);
}

TEST_F(GematikImage, MalformedFormat2BlockCostsNoTry) {
  auto card = egk();
  EXPECT_EQ(sw(*card, "00 20 00 01 08 24 12 34 FF FF FF FF FF"), 0x6A80);  // 4 < 6 digits
  EXPECT_EQ(sw(*card, "00 20 00 01 08 26 12 34 5A FF FF FF FF"), 0x6A80);  // not a digit
  EXPECT_EQ(sw(*card, "00 20 00 01 04 26 12 34 56"), 0x6A80);              // not 8 bytes
  EXPECT_EQ(card->pinTriesLeft(0x01), 3);
  EXPECT_EQ(sw(*card, "00 20 00 01 08 26 12 34 57 FF FF FF FF"), 0x63C2);
}

TEST_F(GematikImage, BlockedAfterThreeWrongPins) {
  auto card = egk();
  EXPECT_EQ(sw(*card, "00 20 00 02 08 26 11 11 11 FF FF FF FF"), 0x63C2);
  EXPECT_EQ(sw(*card, "00 20 00 02 08 26 11 11 11 FF FF FF FF"), 0x63C1);
  EXPECT_EQ(sw(*card, "00 20 00 02 08 26 11 11 11 FF FF FF FF"), 0x63C0);
  EXPECT_EQ(sw(*card, std::string("00 20 00 02 08 ") + std::string(kPin123456)), 0x6983);
  EXPECT_EQ(sw(*card, "80 20 00 01"), 0x6983);
  // The PUK (12345678) unblocks PIN.CH and with it MRPIN.home.
  EXPECT_EQ(sw(*card, "00 2C 01 01 08 28 12 34 56 78 FF FF FF"), 0x9000);
  EXPECT_EQ(sw(*card, std::string("00 20 00 02 08 ") + std::string(kPin123456)), 0x9000);
}

TEST_F(GematikImage, EccSignatureNeedsMrpinHome) {
  auto card = egk();
  ASSERT_EQ(sw(*card, kSelectEsign), 0x9000);
  ASSERT_EQ(sw(*card, "00 22 41 B6 06 84 01 84 80 01 00"), 0x9000);
  const std::string pso = "00 2A 9E 9A 20 " + std::string(64, '1') + " 00";
  EXPECT_EQ(sw(*card, pso), 0x6982);
  ASSERT_EQ(sw(*card, std::string("00 20 00 01 08 ") + std::string(kPin123456)), 0x9000);
  EXPECT_EQ(sw(*card, pso), 0x6982);  // PIN.CH alone needs a role as well
  ASSERT_EQ(sw(*card, std::string("00 20 00 02 08 ") + std::string(kPin123456)), 0x9000);
  const Reply signature = send(*card, pso);
  EXPECT_EQ(signature.sw, 0x9000);
  EXPECT_EQ(signature.data.size(), 64u);
  // The E256 key does not allow INTERNAL AUTHENTICATE.
  ASSERT_EQ(sw(*card, "00 22 41 A4 06 84 01 84 80 01 00"), 0x9000);
  EXPECT_EQ(sw(*card, "00 88 00 00 20 " + std::string(64, '1') + " 00"), 0x6982);
}

TEST_F(GematikImage, DfSpecificKeyNeedsItsDf) {
  auto card = egk();
  // keyRef 84 = key 04 of DF.ESIGN: unknown while the MF is current.
  EXPECT_EQ(sw(*card, "00 22 41 B6 06 84 01 84 80 01 00"), 0x6A88);
  ASSERT_EQ(sw(*card, kSelectEsign), 0x9000);
  EXPECT_EQ(sw(*card, "00 22 41 B6 06 84 01 84 80 01 00"), 0x9000);
  ASSERT_EQ(sw(*card, std::string("00 20 00 02 08 ") + std::string(kPin123456)), 0x9000);
  ASSERT_EQ(sw(*card, kSelectMf), 0x9000);
  EXPECT_EQ(sw(*card, "00 2A 9E 9A 20 " + std::string(64, '1') + " 00"), 0x6985);
}

TEST_F(GematikImage, RsaInternalAuthenticate) {
  auto card = hba();
  ASSERT_EQ(sw(*card, kSelectEsign), 0x9000);
  ASSERT_EQ(sw(*card, "00 22 41 A4 06 84 01 82 80 01 05"), 0x9000);
  const std::string digestInfo = "3031300D060960864801650304020105000420" + std::string(64, 'A');
  EXPECT_EQ(sw(*card, "00 88 00 00 33 " + digestInfo + " 00"), 0x6982);
  ASSERT_EQ(sw(*card, std::string("00 20 00 01 08 ") + std::string(kPin123456)), 0x9000);
  const Reply signature = send(*card, "00 88 00 00 33 " + digestInfo + " 00");
  EXPECT_EQ(signature.sw, 0x9000);
  EXPECT_EQ(signature.data.size(), 256u);
  // signPSS through PSO COMPUTE DIGITAL SIGNATURE.
  ASSERT_EQ(sw(*card, "00 22 41 B6 06 84 01 82 80 01 05"), 0x9000);
  const Reply pss = send(*card, "00 2A 9E 9A 20 " + std::string(64, 'A') + " 00");
  EXPECT_EQ(pss.sw, 0x9000);
  EXPECT_EQ(pss.data.size(), 256u);
}

TEST_F(GematikImage, DfSpecificPinsWithTheSameReference) {
  auto card = hba();
  // PIN.QES (DF.QES) and PIN.AUTO (DF.AUTO) are both 81.
  EXPECT_EQ(sw(*card, "80 20 00 81"), 0x6A88);
  ASSERT_EQ(sw(*card, "00 A4 04 0C 06 D2 76 00 00 66 01"), 0x9000);
  EXPECT_EQ(sw(*card, "80 20 00 81"), 0x63C3);
  EXPECT_EQ(sw(*card, "80 20 00 01"), 0x63C3);  // PIN.CH is global
  ASSERT_EQ(sw(*card, "00 A4 04 0C 06 D2 76 00 01 46 03"), 0x9000);
  EXPECT_EQ(sw(*card, "80 20 00 81"), 0x62C7);  // PIN.AUTO: empty PIN
  EXPECT_EQ(sw(*card, std::string("00 20 00 81 08 ") + std::string(kPin123456)), 0x6985);
}

std::string imageWithRules(std::string_view keyRules) {
  // A minimal image: one EF and one EC key (brainpoolP256r1, scalar 1).
  return R"(<?xml version="1.0"?>
<card name="TEST"><objectSystem>
<attribute id="coldAnswerToReset">3b8080010101</attribute>
<attribute id="root"><child id="MF" objectType="ADF"><attributes>
  <attribute id="fileIdentifier">3f00</attribute>
</attributes><children>
  <child id="EF" objectType="TransparentElementaryFile"><attributes>
    <attribute id="fileIdentifier">2f02</attribute>
    <attribute id="shortFileIdentifier">02</attribute>
    <attribute id="body">0102
    0304</attribute>
    <attribute id="accessRules">CB{[ACTIVATED,??,{({00||b0||??||??},OR{PWD(01),
      PWD(02)})}], [ACTIVATED, 2, {({00||b0||??||??},ALW)}]}, CL{[ACTIVATED,1,{({00||b0||??||??},ALW)}]}</attribute>
    <attribute id="lifeCycleStatus">ACTIVATED</attribute>
  </attributes></child>
  <child id="PIN1" objectType="PWD"><attributes>
    <attribute id="pwdIdentifier">01</attribute><attribute id="secret">2612345 6FFFFFFFF</attribute>
  </attributes></child>
  <child id="PIN2" objectType="PWD"><attributes>
    <attribute id="pwdIdentifier">02</attribute><attribute id="secret">2665432 1FFFFFFFF</attribute>
  </attributes></child>
  <child id="KEY" objectType="PrivateElcKey"><attributes>
    <attribute id="keyIdentifier">09</attribute>
    <attribute id="domainParameterOid">brainpoolP256r1</attribute>
    <attribute id="privateKey">01</attribute>
    <attribute id="keyAvailable">TRUE</attribute>
    <attribute id="accessRules">)" +
         std::string(keyRules) + R"(</attribute>
  </attributes></child>
</children></child></attribute>
</objectSystem></card>)";
}

TEST_F(GematikImage, AndOrRules) {
  Card card(parseGematikImage(imageWithRules("CB{[ACTIVATED,1,{({00||2a||9e||9a},AND{PWD(01),"
                                             "OR{PWD(02),SMMAC(13)}})}]}"),
                              "test-and-or"));
  const Reply file = send(card, "00 B0 82 00 00");
  EXPECT_EQ(file.sw, 0x6982);  // OR{PWD(01), PWD(02)}; the SE 2 and CL rules do not count
  ASSERT_EQ(sw(card, "00 22 41 B6 03 84 01 09"), 0x9000);
  const std::string pso = "00 2A 9E 9A 20 " + std::string(64, '2') + " 00";
  EXPECT_EQ(sw(card, pso), 0x6982);
  ASSERT_EQ(sw(card, "00 20 00 01 08 26 12 34 56 FF FF FF FF"), 0x9000);
  EXPECT_EQ(send(card, "00 B0 82 00 00").data, fromHex("01020304"));
  EXPECT_EQ(sw(card, pso), 0x6982);  // AND needs PIN 02 too
  ASSERT_EQ(sw(card, "00 20 00 02 08 26 65 43 21 FF FF FF FF"), 0x9000);
  EXPECT_EQ(send(card, pso).sw, 0x9000);
}

TEST_F(GematikImage, MalformedImagesAreProfileInvalid) {
  const auto expectInvalid = [](const std::string& xml, const std::string& what) {
    try {
      parseGematikImage(xml, "broken");
      ADD_FAILURE() << "no error for " << what;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), Errc::ProfileInvalid) << what;
      EXPECT_NE(std::string(e.what()).find("broken"), std::string::npos) << e.what();
    }
  };
  expectInvalid("<card", "truncated XML");
  expectInvalid("<other/>", "no card");
  expectInvalid(imageWithRules("CB{[ACTIVATED,1,{({00||2a||9e},ALW)}]}"), "short command");
  expectInvalid(imageWithRules("CB{[ACTIVATED,1,{({00||2a||9e||9a},AND{ALW)}]}"), "open AND");
  expectInvalid(imageWithRules("XX{}"), "unknown interface");
  expectInvalid(imageWithRules("CB{[ACTIVATED,1,{({00||2a||9e||9a},PWD(xyz))}]}"), "bad PWD");
  std::string deep = "CB{[ACTIVATED,1,{({00||2a||9e||9a},";
  for (int i = 0; i < 100; ++i) deep += "AND{";
  expectInvalid(imageWithRules(deep), "deep nesting");
  std::string badKey = imageWithRules("CB{}");
  const std::string scalar = "<attribute id=\"privateKey\">01";
  badKey.replace(badKey.find(scalar), scalar.size(), "<attribute id=\"privateKey\">zz");
  expectInvalid(badKey, "available key without usable values");
}

}  // namespace
}  // namespace hcbridge::sim::testing
