#include "hcbridge/base/utc_time.hpp"

#include <openssl/err.h>

#include <cstdio>

namespace hcbridge::base {
namespace {

// Whole seconds towards minus infinity, so a time before 1970 still has its
// milliseconds in 0..999.
std::tm utcFields(TimePoint at, int* milliseconds) {
  using namespace std::chrono;
  const auto sinceEpoch = floor<std::chrono::milliseconds>(at.time_since_epoch());
  const auto seconds = floor<std::chrono::seconds>(sinceEpoch);
  if (milliseconds != nullptr) *milliseconds = static_cast<int>((sinceEpoch - seconds).count());
  const std::time_t time = static_cast<std::time_t>(seconds.count());
  std::tm utc{};
  gmtime_r(&time, &utc);  // cannot fail for any system_clock time (+-292 years)
  return utc;
}

}  // namespace

std::string utcSecondsText(const std::tm& utc) {
  char text[96];  // room for any int fields: GCC checks the worst case
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02dZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec);
  return text;
}

std::string utcSecondsText(TimePoint at) {
  return utcSecondsText(utcFields(at, nullptr));
}

std::string utcMillisText(TimePoint at) {
  int milliseconds = 0;
  const std::tm utc = utcFields(at, &milliseconds);
  char text[96];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, milliseconds);
  return text;
}

std::optional<std::tm> asn1TimeUtc(const ASN1_TIME* time) {
  std::tm utc{};
  if (time == nullptr || ASN1_TIME_to_tm(time, &utc) != 1) {
    ERR_clear_error();
    return std::nullopt;
  }
  return utc;
}

std::optional<std::string> asn1TimeText(const ASN1_TIME* time) {
  const auto utc = asn1TimeUtc(time);
  if (!utc) return std::nullopt;
  return utcSecondsText(*utc);
}

std::optional<TimePoint> parseUtcSecondsText(std::string_view text) {
  // By hand: std::get_time accepts a text that stops early ("2026-01-01"
  // alone), sscanf("%4d") a sign or spaces, and timegm() silently turns
  // 30 February into 2 March.
  constexpr std::string_view kShape = "dddd-dd-ddTdd:dd:ddZ";
  if (text.size() != kShape.size()) return std::nullopt;
  for (std::size_t i = 0; i < kShape.size(); ++i) {
    const bool digit = text[i] >= '0' && text[i] <= '9';
    if (kShape[i] == 'd' ? !digit : text[i] != kShape[i]) return std::nullopt;
  }
  const auto number = [text](std::size_t at, std::size_t length) {
    int value = 0;
    for (const char c : text.substr(at, length)) value = value * 10 + (c - '0');
    return value;
  };
  std::tm utc{};
  utc.tm_year = number(0, 4) - 1900;
  utc.tm_mon = number(5, 2) - 1;
  utc.tm_mday = number(8, 2);
  utc.tm_hour = number(11, 2);
  utc.tm_min = number(14, 2);
  utc.tm_sec = number(17, 2);
  const std::tm given = utc;
  const std::time_t seconds = timegm(&utc);
  // timegm() normalises out-of-range fields: any change means no such date or time.
  if (utc.tm_year != given.tm_year || utc.tm_mon != given.tm_mon || utc.tm_mday != given.tm_mday ||
      utc.tm_hour != given.tm_hour || utc.tm_min != given.tm_min || utc.tm_sec != given.tm_sec) {
    return std::nullopt;
  }
  return std::chrono::system_clock::from_time_t(seconds);
}

}  // namespace hcbridge::base
