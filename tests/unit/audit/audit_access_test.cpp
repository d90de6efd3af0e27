// The patient's view: the lines about one card, bounded, from a log that may
// be being written.
#include "hcbridge/audit_access.hpp"

#include <gtest/gtest.h>

#include "audit_test_support.hpp"
#include "hcbridge/audit_log.hpp"
#include "hcbridge/error.hpp"
#include "support/temp_dir.hpp"

namespace hcbridge::testing {
namespace {

constexpr const char* kCard = "0011223344556677";
constexpr const char* kOtherCard = "8899aabbccddeeff";

AuditRecord about(const char* card, std::string action) {
  AuditRecord record = sampleRecord(1);
  record.cardSerialHash = card;
  record.action = std::move(action);
  return record;
}

TEST(CardAccesses, ListsOnlyTheCardsLinesWithWhoWhatAndWhy) {
  TempDir dir;
  const auto file = dir / "audit.log";
  auto log = openLog(file);
  log->append(about(kCard, "patient-card.read"));
  log->append(about(kOtherCard, "patient-card.read"));
  AuditRecord emergency = about(kCard, "record-access");
  emergency.details = {{"purpose", "emergency"}, {"justification", "unconscious patient"}};
  emergency.practitioner = "DOC / 810000000001";
  log->append(emergency);
  log->append(about("", "practitioner-session.open"));

  const auto accesses = log->cardAccesses(kCard);
  ASSERT_EQ(accesses.size(), 2u);
  EXPECT_EQ(accesses[0].seq, 1u);
  EXPECT_EQ(accesses[0].action, "patient-card.read");
  EXPECT_EQ(accesses[0].caller, "origin https://app.example");
  EXPECT_EQ(accesses[0].fields, (std::vector<std::string>{"holder.name", "insurer"}));
  EXPECT_EQ(accesses[0].outcome, "ok");
  EXPECT_FALSE(accesses[0].purpose);
  EXPECT_EQ(accesses[1].seq, 3u);
  EXPECT_EQ(accesses[1].practitioner, "DOC / 810000000001");
  EXPECT_EQ(accesses[1].purpose, "emergency");
  EXPECT_EQ(accesses[1].justification, "unconscious patient");
  EXPECT_FALSE(accesses[1].time.empty());

  EXPECT_EQ(findCardAccesses(file, kOtherCard).size(), 1u);
  EXPECT_TRUE(findCardAccesses(file, "").empty());  // lines about no card
  EXPECT_TRUE(findCardAccesses(file, "ffff").empty());
}

TEST(CardAccesses, KeepsTheNewestUpToTheLimit) {
  TempDir dir;
  const auto file = dir / "audit.log";
  {
    auto log = openLog(file);
    for (int i = 0; i < 30; ++i) log->append(about(kCard, "patient-card.read"));
  }
  const auto accesses = findCardAccesses(file, kCard, 10);
  ASSERT_EQ(accesses.size(), 10u);
  EXPECT_EQ(accesses.front().seq, 21u);
  EXPECT_EQ(accesses.back().seq, 30u);
}

TEST(CardAccesses, ALineBeingWrittenAndForeignLinesAreSkipped) {
  TempDir dir;
  const auto file = dir / "audit.log";
  { openLog(file)->append(about(kCard, "patient-card.read")); }
  const std::string complete = readFile(file);
  // Another line with the card's hash that is not an audit line, a very long
  // line, then the first half of a line still being written.
  writeFile(file, complete + "{\"cardSerialHash\":\"" + kCard + "\"}\n" +
                      std::string(2 << 20, 'x') + kCard + "\n" +
                      complete.substr(0, complete.size() / 2));
  const auto accesses = findCardAccesses(file, kCard);
  ASSERT_EQ(accesses.size(), 1u);
  EXPECT_EQ(accesses[0].seq, 1u);
}

TEST(CardAccesses, MissingLogIsAnErrorNamingIt) {
  TempDir dir;
  try {
    findCardAccesses(dir / "absent.log", kCard);
    FAIL() << "read a log that does not exist";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("absent.log"), std::string::npos);
  }
}

}  // namespace
}  // namespace hcbridge::testing
