// The named ISO 7816-4 / 7816-8 commands: the exact bytes each one encodes to.
#include "hcbridge/iso_commands.hpp"

#include <gtest/gtest.h>

#include "expect_error.hpp"

namespace hcbridge::apdu {
namespace {

std::string hexOf(const CommandApdu& command) {
  return toHex(command.encode(), " ");
}

Bytes filled(std::size_t n) {
  return Bytes(n, 0x5A);
}

const Bytes kAid = fromHex("D2 76 00 01 44 80 00");

TEST(IsoCommands, SelectByAidWithoutAnswer) {
  EXPECT_EQ(hexOf(selectByAid(kAid, SelectAnswer::None)), "00 A4 04 0C 07 D2 76 00 01 44 80 00");
}

TEST(IsoCommands, SelectByAidWithFciAsksForUpTo256Bytes) {
  EXPECT_EQ(hexOf(selectByAid(kAid, SelectAnswer::Fci)), "00 A4 04 00 07 D2 76 00 01 44 80 00 00");
  EXPECT_EQ(hexOf(selectByAid(kAid, SelectAnswer::Fcp)), "00 A4 04 04 07 D2 76 00 01 44 80 00 00");
  EXPECT_EQ(hexOf(selectByAid(kAid, SelectAnswer::Fmd)), "00 A4 04 08 07 D2 76 00 01 44 80 00 00");
}

TEST(IsoCommands, SelectByAidOnLogicalChannel1) {
  EXPECT_EQ(hexOf(selectByAid(fromHex("80 25 00 00 01 FF 01 00"), SelectAnswer::None, 0x01)),
            "01 A4 04 0C 08 80 25 00 00 01 FF 01 00");
}

TEST(IsoCommands, SelectByAidLengths) {
  EXPECT_EQ(hexOf(selectByAid(filled(1), SelectAnswer::None)), "00 A4 04 0C 01 5A");
  EXPECT_EQ(selectByAid(filled(16), SelectAnswer::None).encode().size(), 5u + 16u);
  EXPECT_ERRC(selectByAid(Bytes{}, SelectAnswer::None), Errc::ApduInvalid);
  EXPECT_ERRC(selectByAid(filled(17), SelectAnswer::None), Errc::ApduInvalid);
}

TEST(IsoCommands, SelectByFid) {
  EXPECT_EQ(hexOf(selectByFid(0x2001, FidScope::EfUnderCurrentDf, SelectAnswer::Fci)),
            "00 A4 02 00 02 20 01 00");
  EXPECT_EQ(hexOf(selectByFid(0x2F10, FidScope::EfUnderCurrentDf, SelectAnswer::None)),
            "00 A4 02 0C 02 2F 10");
  EXPECT_EQ(hexOf(selectByFid(0xD003, FidScope::Any, SelectAnswer::None, 0x01)),
            "01 A4 00 0C 02 D0 03");
  EXPECT_EQ(hexOf(selectByFid(0x5015, FidScope::ChildDf, SelectAnswer::Fcp)),
            "00 A4 01 04 02 50 15 00");
}

TEST(IsoCommands, SelectByPath) {
  EXPECT_EQ(hexOf(selectByPath(fromHex("3F00 D003"), PathStart::CurrentDf, SelectAnswer::None)),
            "00 A4 09 0C 04 3F 00 D0 03");
  EXPECT_EQ(hexOf(selectByPath(fromHex("5015 4404"), PathStart::Mf, SelectAnswer::None, 0x01)),
            "01 A4 08 0C 04 50 15 44 04");
  EXPECT_EQ(hexOf(selectByPath(fromHex("3F00"), PathStart::CurrentDf, SelectAnswer::Fci)),
            "00 A4 09 00 02 3F 00 00");
}

TEST(IsoCommands, SelectByPathLengths) {
  EXPECT_EQ(selectByPath(filled(254), PathStart::Mf, SelectAnswer::None).encode().size(),
            5u + 254u);
  EXPECT_ERRC(selectByPath(Bytes{}, PathStart::Mf, SelectAnswer::None), Errc::ApduInvalid);
  EXPECT_ERRC(selectByPath(filled(3), PathStart::Mf, SelectAnswer::None), Errc::ApduInvalid);
  EXPECT_ERRC(selectByPath(filled(256), PathStart::Mf, SelectAnswer::None), Errc::ApduInvalid);
}

TEST(IsoCommands, SelectMf) {
  EXPECT_EQ(hexOf(selectMf(SelectAnswer::None, 0x01)), "01 A4 00 0C");
  EXPECT_EQ(hexOf(selectMf(SelectAnswer::Fci)), "00 A4 00 00 00");
}

TEST(IsoCommands, ReadBinaryAtOffset) {
  EXPECT_EQ(hexOf(readBinary(0, 256)), "00 B0 00 00 00");
  EXPECT_EQ(hexOf(readBinary(0x01E7, 0xE7)), "00 B0 01 E7 E7");
  EXPECT_EQ(hexOf(readBinary(0x7FFF, 1, 0x01)), "01 B0 7F FF 01");
  EXPECT_ERRC(readBinary(0x8000, 1), Errc::ApduInvalid);
}

TEST(IsoCommands, ReadBinaryExtendedLe) {
  EXPECT_EQ(hexOf(readBinary(0, 257)), "00 B0 00 00 00 01 01");
  EXPECT_EQ(hexOf(readBinary(0x0100, 65536)), "00 B0 01 00 00 00 00");
  EXPECT_ERRC(readBinary(0, 0), Errc::ApduInvalid);
  EXPECT_ERRC(readBinary(0, 65537), Errc::ApduInvalid);
}

TEST(IsoCommands, ReadBinaryBySfi) {
  EXPECT_EQ(hexOf(readBinaryBySfi(0x11, 0, 256)), "00 B0 91 00 00");
  EXPECT_EQ(hexOf(readBinaryBySfi(1, 0x10, 65536)), "00 B0 81 10 00 00 00");
  EXPECT_EQ(hexOf(readBinaryBySfi(30, 0xFF, 1)), "00 B0 9E FF 01");
}

TEST(IsoCommands, ReadBinaryBySfiRange) {
  EXPECT_ERRC(readBinaryBySfi(0, 0, 1), Errc::ApduInvalid);
  EXPECT_ERRC(readBinaryBySfi(31, 0, 1), Errc::ApduInvalid);
  EXPECT_ERRC(readBinaryBySfi(1, 0x100, 1), Errc::ApduInvalid);
}

TEST(IsoCommands, Verify) {
  EXPECT_EQ(hexOf(verify(0x02, fromHex("26 12 34 56 FF FF FF FF"))),
            "00 20 00 02 08 26 12 34 56 FF FF FF FF");
  EXPECT_EQ(hexOf(verify(0x01, fromHex("31 32 33 34"), 0x01)), "01 20 00 01 04 31 32 33 34");
  EXPECT_ERRC(verify(0x01, Bytes{}), Errc::ApduInvalid);
}

TEST(IsoCommands, VerificationStatus) {
  EXPECT_EQ(hexOf(verificationStatus(0x01)), "00 20 00 01");
  EXPECT_EQ(hexOf(verificationStatus(0x81, 0x80)), "80 20 00 81");
}

TEST(IsoCommands, ManageSecurityEnvironmentSet) {
  EXPECT_EQ(
      hexOf(manageSecurityEnvironmentSet(SecurityUse::Computation, ControlTemplate::Authentication,
                                         {algorithmReference(0x02), privateKeyReference(0x82)})),
      "00 22 41 A4 06 80 01 02 84 01 82");
  EXPECT_EQ(hexOf(manageSecurityEnvironmentSet(
                SecurityUse::Computation, ControlTemplate::DigitalSignature,
                {privateKeyReference(0x84), algorithmReference(0x00)})),
            "00 22 41 B6 06 84 01 84 80 01 00");
  EXPECT_EQ(hexOf(manageSecurityEnvironmentSet(SecurityUse::Verification,
                                               ControlTemplate::Confidentiality,
                                               {privateKeyReference(0x10)}, 0x01)),
            "01 22 81 B8 03 84 01 10");
  EXPECT_EQ(hexOf(manageSecurityEnvironmentSet(SecurityUse::Computation,
                                               ControlTemplate::Authentication, {})),
            "00 22 41 A4");
}

TEST(IsoCommands, InternalAuthenticate) {
  EXPECT_EQ(hexOf(internalAuthenticate(fromHex("01 02 03"))), "00 88 00 00 03 01 02 03 00");
  const Bytes digestInfo = filled(51);
  Bytes expected{0x00, 0x88, 0x00, 0x00, 51};
  expected.insert(expected.end(), digestInfo.begin(), digestInfo.end());
  expected.push_back(0x00);
  EXPECT_EQ(internalAuthenticate(digestInfo).encode(), expected);
  // More than 256 bytes back: extended Lc and Le.
  EXPECT_EQ(hexOf(internalAuthenticate(fromHex("AA"), 512)), "00 88 00 00 00 00 01 AA 02 00");
  EXPECT_ERRC(internalAuthenticate(Bytes{}), Errc::ApduInvalid);
}

TEST(IsoCommands, PsoComputeDigitalSignature) {
  EXPECT_EQ(hexOf(psoComputeDigitalSignature(fromHex("11 22"))), "00 2A 9E 9A 02 11 22 00");
  EXPECT_EQ(hexOf(psoComputeDigitalSignature(fromHex("11"), 64, 0x01)), "01 2A 9E 9A 01 11 40");
  EXPECT_ERRC(psoComputeDigitalSignature(Bytes{}), Errc::ApduInvalid);
}

TEST(IsoCommands, GetChallenge) {
  EXPECT_EQ(hexOf(getChallenge(8)), "00 84 00 00 08");
  EXPECT_EQ(hexOf(getChallenge(256)), "00 84 00 00 00");
  EXPECT_ERRC(getChallenge(0), Errc::ApduInvalid);
}

TEST(IsoCommands, GetData) {
  EXPECT_EQ(hexOf(getData(0x5F52, 256)), "00 CA 5F 52 00");
  EXPECT_EQ(hexOf(getData(0x006E, 1000, 0x01)), "01 CA 00 6E 00 03 E8");
}

TEST(IsoCommands, GetDataFromFile) {
  EXPECT_EQ(hexOf(getDataFromFile(kCurrentDf, fromHex("4D 08 70 06 BF 81 01 02 A0 80"), 256)),
            "00 CB 3F FF 0A 4D 08 70 06 BF 81 01 02 A0 80 00");
  EXPECT_ERRC(getDataFromFile(kCurrentDf, Bytes{}, 256), Errc::ApduInvalid);
}

TEST(IsoCommands, RetryCounterStatusWords) {
  EXPECT_TRUE(sw::isRetryCounter(0x63C0));
  EXPECT_TRUE(sw::isRetryCounter(0x63CF));
  EXPECT_FALSE(sw::isRetryCounter(0x6300));
  EXPECT_FALSE(sw::isRetryCounter(0x9000));
  EXPECT_EQ(sw::retriesOf(0x63C2), 2);
}

}  // namespace
}  // namespace hcbridge::apdu
