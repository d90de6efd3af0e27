// formatLine writes its JSON by hand: the bytes must be exactly those of
// the ordered JSON object it replaced (a verifier of either vintage reads
// them the same), for plain and hostile field values alike.
#include "audit_line.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>

#include "hcbridge/secret.hpp"

namespace hcbridge::audit {
namespace {

// The former formatLine, kept as the reference.
std::string referenceLine(const AuditRecord& record, std::string_view time, std::uint64_t seq,
                          std::string_view prev, const AuditKey* key) {
  nlohmann::ordered_json line;
  line["time"] = time;
  line["seq"] = seq;
  line["action"] = record.action;
  line["caller"] = record.caller;
  line["practitioner"] = record.practitioner ? nlohmann::ordered_json(*record.practitioner)
                                             : nlohmann::ordered_json(nullptr);
  line["cardSerialHash"] = record.cardSerialHash;
  line["fields"] = record.fields;
  line["outcome"] = record.outcome;
  if (!record.details.empty()) line["details"] = record.details;
  line["prev"] = prev;
  std::string text = line.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  if (key == nullptr) return text;
  const std::string mac = key->macHex(text);
  text.pop_back();
  return text + ",\"mac\":\"" + mac + "\"}";
}

const std::string kPrev(64, 'a');

AuditKey testKey() {
  return AuditKey(SecretBytes(std::string(32, 'Z')));
}

AuditRecord plainRecord() {
  AuditRecord record;
  record.action = "patient-card.read";
  record.caller = "origin https://app.example";
  record.practitioner = "Dr Test (CPS 899700001)";
  record.cardSerialHash = std::string(64, 'b');
  record.fields = {"lastName", "firstName", "birthDate"};
  record.outcome = "ok";
  return record;
}

TEST(AuditLineFormat, APlainLineIsTheReferenceBytes) {
  const AuditKey key = testKey();
  AuditRecord record = plainRecord();
  EXPECT_EQ(formatLine(record, "2026-12-04T10:00:00.000Z", 7, kPrev, &key),
            referenceLine(record, "2026-12-04T10:00:00.000Z", 7, kPrev, &key));
  record.practitioner.reset();
  record.fields.clear();
  record.details = {{"audience", "dmp"}, {"jti", "x1"}, {"purpose", "care"}};
  EXPECT_EQ(formatLine(record, "t", 1, kPrev, nullptr),
            referenceLine(record, "t", 1, kPrev, nullptr));
  EXPECT_EQ(formatLine(record, "t", UINT64_MAX, kPrev, &key),
            referenceLine(record, "t", UINT64_MAX, kPrev, &key));
}

TEST(AuditLineFormat, EscapesAndBytesThatAreNotUtf8MatchTheReference) {
  static constexpr char kControls[] = "nul \0 bell \a tab \t cr \r lf \n";
  const AuditKey key = testKey();
  const std::vector<std::string> hostile = {
      "quote \" backslash \\ slash /",
      std::string(kControls, sizeof kControls - 1),
      "\x7f del, \x1f unit separator",
      "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",  // valid UTF-8
      "\xff\xfe lone \x80 continuation \xc3",       // not UTF-8
      "\xed\xa0\x80 surrogate, \xf4\x90\x80\x80 beyond U+10FFFF",
      "",
  };
  for (const std::string& value : hostile) {
    AuditRecord record = plainRecord();
    record.caller = "app " + value;
    record.practitioner = value;
    record.fields = {value, "ok"};
    record.details = {{value, value}, {"k", value}};
    record.outcome = value;
    EXPECT_EQ(formatLine(record, value, 3, kPrev, &key),
              referenceLine(record, value, 3, kPrev, &key))
        << "value of " << value.size() << " bytes";
  }
}

TEST(AuditLineFormat, RandomBytesMatchTheReference) {
  std::mt19937 random(17);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<int> length(0, 24);
  const auto randomText = [&] {
    std::string text(static_cast<std::size_t>(length(random)), '\0');
    for (char& c : text) c = static_cast<char>(byte(random));
    return text;
  };
  for (int i = 0; i < 2000; ++i) {
    AuditRecord record;
    record.action = randomText();
    record.caller = randomText();
    if (i % 2 == 0) record.practitioner = randomText();
    record.cardSerialHash = randomText();
    record.fields = {randomText(), randomText()};
    record.outcome = randomText();
    if (i % 3 == 0) record.details = {{randomText(), randomText()}};
    ASSERT_EQ(formatLine(record, "t", static_cast<std::uint64_t>(i), kPrev, nullptr),
              referenceLine(record, "t", static_cast<std::uint64_t>(i), kPrev, nullptr))
        << "record " << i;
  }
}

}  // namespace
}  // namespace hcbridge::audit
