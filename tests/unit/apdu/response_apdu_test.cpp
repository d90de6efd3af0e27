#include <gtest/gtest.h>

#include "expect_error.hpp"
#include "hcbridge/apdu.hpp"

namespace hcbridge::apdu {
namespace {

TEST(ResponseApdu, ParsesDataAndStatus) {
  const ResponseApdu r = ResponseApdu::parse(Bytes{0x01, 0x02, 0x03, 0x90, 0x00});
  EXPECT_EQ(r.data, (Bytes{0x01, 0x02, 0x03}));
  EXPECT_EQ(r.sw, 0x9000);
  EXPECT_EQ(r.sw1(), 0x90);
  EXPECT_EQ(r.sw2(), 0x00);
  EXPECT_TRUE(r.isSuccess());
}

TEST(ResponseApdu, ParsesStatusOnly) {
  const ResponseApdu r = ResponseApdu::parse(Bytes{0x6A, 0x82});
  EXPECT_TRUE(r.data.empty());
  EXPECT_EQ(r.sw, 0x6A82);
  EXPECT_EQ(r.sw1(), 0x6A);
  EXPECT_EQ(r.sw2(), 0x82);
  EXPECT_FALSE(r.isSuccess());
}

TEST(ResponseApdu, RoundTrips) {
  for (const Bytes& raw :
       {Bytes{0x90, 0x00}, Bytes{0xAA, 0x61, 0x10}, Bytes{0x62, 0x82}, Bytes(300, 0x5A)}) {
    EXPECT_EQ(ResponseApdu::parse(raw).encode(), raw);
  }
  ResponseApdu r;
  r.data = {0xDE, 0xAD};
  r.sw = 0x6282;
  EXPECT_EQ(r.encode(), (Bytes{0xDE, 0xAD, 0x62, 0x82}));
}

TEST(ResponseApdu, SuccessStatusWords) {
  auto success = [](std::uint16_t sw) {
    ResponseApdu r;
    r.sw = sw;
    return r.isSuccess();
  };
  EXPECT_TRUE(success(0x9000));
  EXPECT_TRUE(success(0x6100));
  EXPECT_TRUE(success(0x6110));
  EXPECT_TRUE(success(0x61FF));
  EXPECT_TRUE(success(0x6282));  // eGK: end of file reached before Ne bytes
  EXPECT_FALSE(success(0x6281));
  EXPECT_FALSE(success(0x6283));
  EXPECT_FALSE(success(0x6C10));
  EXPECT_FALSE(success(0x6A82));
  EXPECT_FALSE(success(0x9001));
  EXPECT_FALSE(success(0x0000));
  EXPECT_FALSE(success(0x6982));
}

TEST(ResponseApdu, RejectsTruncated) {
  EXPECT_ERRC(ResponseApdu::parse(Bytes{}), Errc::ApduInvalid);
  EXPECT_ERRC(ResponseApdu::parse(Bytes{0x90}), Errc::ApduInvalid);
}

}  // namespace
}  // namespace hcbridge::apdu
