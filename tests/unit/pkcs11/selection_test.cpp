// Which PC/SC reader a slot stands for: the rule hcbridged and the doctor share.
#include "hcbridge/pkcs11/selection.hpp"

#include <gtest/gtest.h>

namespace hcbridge::pkcs11 {
namespace {

const std::string kLong64 = std::string(48, 'R') + " Smart Card 00";  // 62 characters
const std::vector<std::string> kReaders = {"Virtual PCD 00 00", "Virtual PCD 00 01"};

TEST(SlotReader, AShortDescriptionMustBeTheWholeName) {
  EXPECT_EQ(readerOfSlot("Virtual PCD 00 01", kReaders), "Virtual PCD 00 01");
  EXPECT_EQ(readerOfSlot("Virtual PCD 00 00", kReaders), "Virtual PCD 00 00");
  EXPECT_EQ(readerOfSlot("Virtual PCD 00 0", kReaders), "");  // a prefix of both: neither
  EXPECT_EQ(readerOfSlot("Virtual PCD", kReaders), "");
  EXPECT_EQ(readerOfSlot("SoftHSM slot ID 0x1", kReaders), "");
  EXPECT_EQ(readerOfSlot("", kReaders), "");
}

TEST(SlotReader, AFullDescriptionMayBeginALongerNameOfOneReaderOnly) {
  const std::string description(64, 'A');
  const std::string first = description + " 00 00";
  const std::string second = description + " 00 01";
  EXPECT_EQ(readerOfSlot(description, {first, "other"}), first);
  // Two readers alike in their first 64 bytes: the slot stands for neither.
  EXPECT_EQ(readerOfSlot(description, {first, second}), "");
  EXPECT_EQ(readerOfSlot(kLong64, {kLong64 + " extra"}), "");  // under 64 bytes: exact only
}

}  // namespace
}  // namespace hcbridge::pkcs11
