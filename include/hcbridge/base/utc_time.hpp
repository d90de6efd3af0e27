// Times as UTC text, the one format of every JSON field, result and message:
// RFC 3339 / ISO 8601 with "Z", seconds or milliseconds.
#pragma once

#include <openssl/asn1.h>

#include <chrono>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>

namespace hcbridge::base {

using TimePoint = std::chrono::system_clock::time_point;

// "2049-12-31T23:59:59Z"; fractions of a second are dropped.
std::string utcSecondsText(TimePoint at);
// The same from broken-down UTC fields (years 0..9999 as four digits).
std::string utcSecondsText(const std::tm& utc);
// "2049-12-31T23:59:59.123Z": milliseconds, the rest of the second dropped.
std::string utcMillisText(TimePoint at);

// An ASN1_TIME (UTCTime or GeneralizedTime) as broken-down UTC fields;
// nullopt when null or unreadable (OpenSSL's error queue cleared). Fields,
// not a TimePoint: certificates say 9999-12-31, past what system_clock holds.
std::optional<std::tm> asn1TimeUtc(const ASN1_TIME* time);
// "2049-12-31T23:59:59Z"; nullopt as asn1TimeUtc.
std::optional<std::string> asn1TimeText(const ASN1_TIME* time);

// Exactly "YYYY-MM-DDTHH:MM:SSZ" naming a real date and time (no 30
// February, no 24:00:00, no leap second); nullopt otherwise.
std::optional<TimePoint> parseUtcSecondsText(std::string_view text);

}  // namespace hcbridge::base
