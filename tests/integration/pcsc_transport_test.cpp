// The PC/SC transport against real pcscd, the vpcd driver and the simulator.
#include <gtest/gtest.h>

#include <thread>

#include "event_wait.hpp"
#include "hcbridge/error.hpp"
#include "pcscd_control.hpp"
#include "sim_fixture.hpp"

namespace hcbridge::testing {
namespace {

using namespace std::chrono_literals;
using apdu::CommandApdu;

CommandApdu selectAid(const Bytes& aid) {
  return {0x00, 0xA4, 0x04, 0x0C, aid, std::nullopt};
}
CommandApdu selectFid(std::uint16_t fid) {
  return {0x00,
          0xA4,
          0x02,
          0x0C,
          Bytes{static_cast<std::uint8_t>(fid >> 8), static_cast<std::uint8_t>(fid)},
          std::nullopt};
}
const CommandApdu kSelectMf{0x00, 0xA4, 0x00, 0x0C, Bytes{0x3F, 0x00}, std::nullopt};
CommandApdu readBinary(std::size_t offset, std::size_t ne) {
  return {0x00, 0xB0, static_cast<std::uint8_t>(offset >> 8), static_cast<std::uint8_t>(offset),
          {},   ne};
}

// Reads the current EF in chunks of `chunk` bytes until the card says the
// end is reached (6282 or a short answer).
Bytes readWholeFile(CardConnection& connection, std::size_t chunk) {
  Bytes content;
  for (;;) {
    const auto response = connection.transmit(readBinary(content.size(), chunk));
    if (response.sw == 0x6B00) break;
    EXPECT_TRUE(response.isSuccess()) << apdu::statusWordName(response.sw);
    content.insert(content.end(), response.data.begin(), response.data.end());
    if (response.sw != 0x9000 || response.data.size() < chunk) break;
  }
  return content;
}

TEST_F(PcscIntegrationTest, ListsBothVpcdReaders) {
  const auto readers = transport_->listReaders();
  std::vector<std::string> names;
  for (const auto& r : readers) names.push_back(r.name);
  EXPECT_NE(std::find(names.begin(), names.end(), kReader0), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), kReader1), names.end());
}

TEST_F(PcscIntegrationTest, ReportsInsertRemoveAndReinsert) {
  auto watcher = transport_->watch();
  watcher->snapshot();
  EventQueue events(*watcher);
  const Bytes atr = sim::loadProfile("generic").atr;

  insertCard("generic", 0);
  auto inserted = events.waitFor(ReaderEventKind::CardInserted, kReader0);
  ASSERT_TRUE(inserted) << events.history();
  EXPECT_EQ(inserted->atr, atr);

  removeCard(0);
  ASSERT_TRUE(events.waitFor(ReaderEventKind::CardRemoved, kReader0)) << events.history();

  insertCard("generic", 0);
  ASSERT_TRUE(events.waitFor(ReaderEventKind::CardInserted, kReader0)) << events.history();
  const auto readers = transport_->listReaders();
  auto it = std::find_if(readers.begin(), readers.end(),
                         [](const ReaderInfo& r) { return r.name == kReader0; });
  ASSERT_NE(it, readers.end());
  EXPECT_TRUE(it->cardPresent);
  EXPECT_EQ(it->atr, atr);
}

TEST_F(PcscIntegrationTest, ReadsAMultiChunkFileInOneTransaction) {
  insertCard("generic", 0);
  const LargeFile file = findLargeFile(sim::loadProfile("generic"));
  ASSERT_GT(file.content.size(), 256u) << "the generic profile needs a file over 256 bytes";

  auto connection = transport_->connect(kReader0, ShareMode::Shared);
  EXPECT_EQ(connection->atr(), sim::loadProfile("generic").atr);
  Transaction transaction(*connection);
  ASSERT_EQ(connection->transmit(selectAid(file.dfAid)).sw, 0x9000);
  ASSERT_EQ(connection->transmit(selectFid(file.fid)).sw, 0x9000);
  EXPECT_EQ(readWholeFile(*connection, 256), file.content);
  EXPECT_EQ(readWholeFile(*connection, 100), file.content);
}

TEST_F(PcscIntegrationTest, ResolvesGetResponseForAT0Card) {
  insertCard("generic-t0", 1);
  const LargeFile file = findLargeFile(sim::loadProfile("generic-t0"));
  auto connection = transport_->connect(kReader1, ShareMode::Shared);
  // SELECT asking for the FCI: a T=0 card answers 61xx, the transport fetches it.
  const auto response =
      connection->transmit({0x00, 0xA4, 0x04, 0x00, file.dfAid, std::size_t{256}});
  EXPECT_EQ(response.sw, 0x9000) << apdu::statusWordName(response.sw);
  ASSERT_FALSE(response.data.empty());
  EXPECT_TRUE(response.data[0] == 0x6F || response.data[0] == 0x62);
  // The raw exchange shows what was resolved.
  const Bytes raw = connection->transmitRaw(
      CommandApdu{0x00, 0xA4, 0x04, 0x00, file.dfAid, std::size_t{256}}.encode());
  ASSERT_EQ(raw.size(), 2u);
  EXPECT_EQ(raw[0], 0x61);
}

TEST_F(PcscIntegrationTest, CardPulledMidExchangeGivesCardRemoved) {
  auto& card = insertCard("generic", 0);
  const LargeFile file = findLargeFile(sim::loadProfile("generic"));
  auto connection = transport_->connect(kReader0, ShareMode::Shared);
  ASSERT_EQ(connection->transmit(selectAid(file.dfAid)).sw, 0x9000);
  card.pullAfterApdus(3);  // counts from insertion: the first READ BINARY is never answered
  ASSERT_EQ(connection->transmit(selectFid(file.fid)).sw, 0x9000);
  try {
    for (int i = 0; i < 5; ++i) connection->transmit(readBinary(0, 16));
    FAIL() << "the exchange went on after the card was pulled";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), Errc::CardRemoved) << error.what();
    EXPECT_FALSE(error.hint().empty());
  }
}

TEST_F(PcscIntegrationTest, UnknownReaderGivesReaderNotFound) {
  try {
    transport_->connect("No Such Reader 99", ShareMode::Shared);
    FAIL() << "connected to a reader that does not exist";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), Errc::ReaderNotFound) << error.what();
  }
}

TEST_F(PcscIntegrationTest, EmptyReaderGivesCardAbsent) {
  try {
    transport_->connect(kReader1, ShareMode::Shared);
    FAIL() << "connected to an empty reader";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), Errc::CardAbsent) << error.what();
  }
}

TEST_F(PcscIntegrationTest, ExclusiveConnectionMakesOthersWait) {
  insertCard("generic", 0);
  auto first = transport_->connect(kReader0, ShareMode::Exclusive);
  auto other = pcsc::makeTransport();
  try {
    other->connect(kReader0, ShareMode::Shared);
    FAIL() << "a second connection got through an exclusive one";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), Errc::ReaderBusy) << error.what();
  }
}

TEST_F(PcscIntegrationTest, RecoversByItselfWhenPcscdRestarts) {
  insertCard("generic", 0);
  auto watcher = transport_->watch();
  watcher->snapshot();
  EventQueue events(*watcher);
  auto connectionBefore = transport_->connect(kReader0, ShareMode::Shared);

  pcscd().restart();

  ASSERT_TRUE(events.waitFor(ReaderEventKind::ServiceLost, {}, 10s)) << events.history();
  ASSERT_TRUE(events.waitFor(ReaderEventKind::ServiceRestored, {}, 15s)) << events.history();
  // The simulator reconnects to the new vpcd: the card is reported again.
  ASSERT_TRUE(events.waitFor(ReaderEventKind::CardInserted, kReader0, 15s)) << events.history();

  // The old connection belongs to the old daemon: a typed error, no crash.
  try {
    connectionBefore->transmit(kSelectMf);
    ADD_FAILURE() << "a connection to the stopped pcscd still worked";
  } catch (const Error& error) {
    EXPECT_TRUE(error.code() == Errc::PcscUnavailable || error.code() == Errc::CardRemoved)
        << error.what();
  }
  // The same transport object works again without a restart of the program.
  auto connection = transport_->connect(kReader0, ShareMode::Shared);
  EXPECT_EQ(connection->transmit(kSelectMf).sw, 0x9000);
}

TEST_F(PcscIntegrationTest, PcscdAbsentGivesPcscUnavailableWithAHint) {
  pcscd().stop();
  try {
    transport_->listReaders();
    ADD_FAILURE() << "listed readers without pcscd";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), Errc::PcscUnavailable) << error.what();
    EXPECT_NE(error.hint().find("pcscd"), std::string::npos);
  }
  pcscd().start();
  EXPECT_NO_THROW(transport_->listReaders());
}

}  // namespace
}  // namespace hcbridge::testing
