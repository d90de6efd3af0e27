// The error catalogue: one row per Errc with a unique id, a title and an
// HTTP error status.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "hcbridge/error.hpp"

namespace hcbridge {
namespace {

static_assert(errcId(Errc::PcscUnavailable) == "pcsc-unavailable");
static_assert(errcId(Errc::SessionRequired) == "practitioner-session-required");
static_assert(errcId(Errc::Internal) == "internal");

bool isKebabCase(std::string_view id) {
  if (id.empty() || id.front() == '-' || id.back() == '-') return false;
  for (const char c : id) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return id.find("--") == std::string_view::npos;
}

TEST(ErrorCatalogueTest, EveryErrcHasAUniqueIdATitleAndAnErrorStatus) {
  std::set<std::string_view> ids;
  for (std::size_t i = 0; i < static_cast<std::size_t>(Errc::Count); ++i) {
    const auto code = static_cast<Errc>(i);
    const ErrcInfo& info = errcInfo(code);
    SCOPED_TRACE(std::string(info.id));
    EXPECT_EQ(info.code, code);
    EXPECT_EQ(errcId(code), info.id);
    EXPECT_TRUE(isKebabCase(info.id));
    EXPECT_TRUE(ids.insert(info.id).second) << "id used twice";
    EXPECT_FALSE(info.title.empty());
    EXPECT_GE(info.httpStatus, 400);
    EXPECT_LE(info.httpStatus, 599);
  }
  EXPECT_EQ(ids.size(), std::size(kErrcCatalogue));
}

TEST(ErrorCatalogueTest, ErrorCarriesItsId) {
  const Error error(Errc::CardAbsent, "no card", "insert one");
  EXPECT_EQ(error.id(), "card-absent");
  EXPECT_EQ(errcInfo(Errc::CardAbsent).title, "No card in the reader");
  EXPECT_EQ(errcInfo(Errc::CardAbsent).httpStatus, 409);
  EXPECT_EQ(errcInfo(Errc::PinLastTry).httpStatus, 428);
}

TEST(ErrorCatalogueTest, AValueOutsideTheEnumIsInternal) {
  EXPECT_EQ(errcId(Errc::Count), "internal");
  EXPECT_EQ(errcInfo(static_cast<Errc>(1000)).httpStatus, 500);
}

}  // namespace
}  // namespace hcbridge
