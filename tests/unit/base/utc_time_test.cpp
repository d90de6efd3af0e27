// UTC time text: the format of every JSON field, result and message.
#include "hcbridge/base/utc_time.hpp"

#include <gtest/gtest.h>
#include <openssl/err.h>

#include "hcbridge/base/openssl_handle.hpp"

namespace hcbridge::base {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TimePoint at(std::chrono::system_clock::duration sinceEpoch) {
  return TimePoint(sinceEpoch);
}

TEST(UtcTimeTest, Epoch) {
  EXPECT_EQ(utcSecondsText(at(seconds(0))), "1970-01-01T00:00:00Z");
  EXPECT_EQ(utcMillisText(at(seconds(0))), "1970-01-01T00:00:00.000Z");
}

TEST(UtcTimeTest, LeapDay) {
  // 2024-02-29T23:59:59Z
  const TimePoint leapDay = at(seconds(1709251199));
  EXPECT_EQ(utcSecondsText(leapDay), "2024-02-29T23:59:59Z");
  EXPECT_EQ(utcSecondsText(leapDay + seconds(1)), "2024-03-01T00:00:00Z");
  EXPECT_EQ(utcMillisText(leapDay + milliseconds(345)), "2024-02-29T23:59:59.345Z");
}

TEST(UtcTimeTest, MillisecondsAreTruncatedNotRounded) {
  const TimePoint base = at(seconds(1714555812));  // 2024-05-01T09:30:12Z
  EXPECT_EQ(utcMillisText(base + std::chrono::microseconds(345999)), "2024-05-01T09:30:12.345Z");
  EXPECT_EQ(utcMillisText(base + std::chrono::nanoseconds(999999999)), "2024-05-01T09:30:12.999Z");
  EXPECT_EQ(utcSecondsText(base + milliseconds(999)), "2024-05-01T09:30:12Z");
  EXPECT_EQ(utcMillisText(base + milliseconds(1)), "2024-05-01T09:30:12.001Z");
}

TEST(UtcTimeTest, BeforeTheEpochCountsDown) {
  EXPECT_EQ(utcMillisText(at(milliseconds(-1))), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(utcSecondsText(at(milliseconds(-1))), "1969-12-31T23:59:59Z");
}

TEST(UtcTimeTest, Asn1Times) {
  Asn1TimeHandle utcTime(ASN1_TIME_new());
  ASSERT_TRUE(utcTime);
  ASSERT_EQ(ASN1_TIME_set_string(utcTime.get(), "491231235959Z"), 1);  // UTCTime
  EXPECT_EQ(asn1TimeText(utcTime.get()), "2049-12-31T23:59:59Z");

  // RFC 5280's "no expiry": past what system_clock can hold, still text.
  Asn1TimeHandle generalized(ASN1_TIME_new());
  ASSERT_TRUE(generalized);
  ASSERT_EQ(ASN1_TIME_set_string(generalized.get(), "99991231235959Z"), 1);
  EXPECT_EQ(asn1TimeText(generalized.get()), "9999-12-31T23:59:59Z");
  const auto fields = asn1TimeUtc(generalized.get());
  ASSERT_TRUE(fields);
  EXPECT_EQ(fields->tm_year, 9999 - 1900);

  Asn1TimeHandle leapDay(ASN1_TIME_set(nullptr, 1709251199));
  ASSERT_TRUE(leapDay);
  EXPECT_EQ(asn1TimeText(leapDay.get()), "2024-02-29T23:59:59Z");
}

TEST(UtcTimeTest, UnreadableAsn1TimeIsNullopt) {
  EXPECT_FALSE(asn1TimeText(nullptr));
  Asn1TimeHandle broken(ASN1_TIME_new());
  ASSERT_TRUE(broken);
  ASSERT_EQ(ASN1_STRING_set(broken.get(), "20241399", 8), 1);
  EXPECT_FALSE(asn1TimeUtc(broken.get()));
  EXPECT_EQ(ERR_peek_error(), 0u);
}

TEST(UtcTimeTest, ParsesExactlySecondsText) {
  EXPECT_EQ(parseUtcSecondsText("1970-01-01T00:00:00Z"), at(seconds(0)));
  EXPECT_EQ(parseUtcSecondsText("2024-02-29T23:59:59Z"), at(seconds(1709251199)));
  EXPECT_EQ(parseUtcSecondsText("1969-12-31T23:59:59Z"), at(seconds(-1)));
  const TimePoint now = at(seconds(1764800000));
  EXPECT_EQ(parseUtcSecondsText(utcSecondsText(now)), now);
}

TEST(UtcTimeTest, RefusesAnythingElse) {
  for (const char* text :
       {"", "2026-01-01", "2026-01-01T00:00:00", "2026-01-01T00:00:00z", "2026-01-01 00:00:00Z",
        "2026-01-01T00:00:00.000Z", "+026-01-01T00:00:00Z", " 026-01-01T00:00:00Z",
        "2026-1-01T00:00:00Z", "2023-02-29T00:00:00Z", "2026-02-30T00:00:00Z",
        "2026-13-01T00:00:00Z", "2026-01-01T24:00:00Z", "2026-01-01T23:60:00Z",
        "2026-12-31T23:59:60Z", "2026-01-01T00:00:00Z "}) {
    EXPECT_FALSE(parseUtcSecondsText(text)) << text;
  }
}

}  // namespace
}  // namespace hcbridge::base
