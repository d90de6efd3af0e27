// SimTransport: readers, card events, watchers, connections.
#include "hcbridge/sim/sim_transport.hpp"

#include <chrono>
#include <future>
#include <thread>

#include "sim_test_support.hpp"

namespace hcbridge::sim::testing {
namespace {

using namespace std::chrono_literals;

const std::string kReader0 = "hcbridge simulated reader 0";
const std::string kReader1 = "hcbridge simulated reader 1";

std::shared_ptr<Card> sharedGeneric() {
  return std::make_shared<Card>(loadProfile("generic"));
}

std::vector<std::pair<std::string, std::string>> kinds(const std::vector<ReaderEvent>& events) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& event : events) {
    out.emplace_back(std::string(readerEventName(event.kind)), event.reader);
  }
  return out;
}

using Kinds = std::vector<std::pair<std::string, std::string>>;

TEST(SimTransport, TwoEmptyReadersByDefault) {
  SimTransport transport;
  const auto readers = transport.listReaders();
  ASSERT_EQ(readers.size(), 2u);
  EXPECT_EQ(readers[0].name, kReader0);
  EXPECT_EQ(readers[1].name, kReader1);
  EXPECT_FALSE(readers[0].cardPresent);
  EXPECT_TRUE(readers[0].atr.empty());
}

TEST(SimTransport, InsertShowsTheCardAndItsAtr) {
  SimTransport transport;
  auto card = sharedGeneric();
  transport.insertCard(1, card);
  const auto readers = transport.listReaders();
  EXPECT_FALSE(readers[0].cardPresent);
  EXPECT_TRUE(readers[1].cardPresent);
  EXPECT_EQ(readers[1].atr, card->atr());
  transport.removeCard(1);
  EXPECT_FALSE(transport.listReaders()[1].cardPresent);
}

TEST(SimTransport, BadSlotIsReaderNotFound) {
  SimTransport transport;
  expectError([&] { transport.insertCard(5, sharedGeneric()); }, Errc::ReaderNotFound);
  expectError([&] { transport.removeCard(2); }, Errc::ReaderNotFound);
  expectError([&] { transport.removeReader("nope"); }, Errc::ReaderNotFound);
}

TEST(SimTransport, WatcherReportsInsertAndRemove) {
  SimTransport transport;
  auto watcher = transport.watch();
  auto card = sharedGeneric();
  transport.insertCard(0, card);
  auto events = watcher->next(1s);
  ASSERT_EQ(kinds(events), (Kinds{{"card.inserted", kReader0}}));
  EXPECT_EQ(events[0].atr, card->atr());
  transport.removeCard(0);
  EXPECT_EQ(kinds(watcher->next(1s)), (Kinds{{"card.removed", kReader0}}));
}

TEST(SimTransport, WatcherReportsReplacedCard) {
  SimTransport transport;
  transport.insertCard(0, sharedGeneric());
  auto watcher = transport.watch();
  transport.insertCard(0, sharedGeneric());
  EXPECT_EQ(kinds(watcher->next(1s)),
            (Kinds{{"card.removed", kReader0}, {"card.inserted", kReader0}}));
}

TEST(SimTransport, WatcherReportsReaderAddAndRemove) {
  SimTransport transport;
  auto watcher = transport.watch();
  transport.addReader("extra reader");
  EXPECT_EQ(kinds(watcher->next(1s)), (Kinds{{"reader.added", "extra reader"}}));
  EXPECT_EQ(transport.listReaders().size(), 3u);
  transport.insertCard(2, sharedGeneric());
  EXPECT_EQ(kinds(watcher->next(1s)), (Kinds{{"card.inserted", "extra reader"}}));
  transport.removeReader("extra reader");
  EXPECT_EQ(kinds(watcher->next(1s)),
            (Kinds{{"card.removed", "extra reader"}, {"reader.removed", "extra reader"}}));
  EXPECT_EQ(transport.listReaders().size(), 2u);
  expectError([&] { transport.insertCard(2, sharedGeneric()); }, Errc::ReaderNotFound);
  transport.addReader("extra reader");  // comes back in the same slot
  EXPECT_EQ(kinds(watcher->next(1s)), (Kinds{{"reader.added", "extra reader"}}));
  EXPECT_NO_THROW(transport.insertCard(2, sharedGeneric()));
  expectError([&] { transport.addReader(kReader0); }, Errc::BadRequest);
}

TEST(SimTransport, WatcherBaselineHidesWhatSnapshotShowed) {
  SimTransport transport;
  transport.insertCard(0, sharedGeneric());
  auto watcher = transport.watch();
  const auto snapshot = watcher->snapshot();
  ASSERT_EQ(snapshot.size(), 2u);
  EXPECT_TRUE(snapshot[0].cardPresent);
  EXPECT_TRUE(watcher->next(0ms).empty());
  transport.removeCard(0);
  watcher->snapshot();  // moves the baseline: the removal is already seen
  EXPECT_TRUE(watcher->next(0ms).empty());
}

TEST(SimTransport, WatcherTimeoutReturnsNothing) {
  SimTransport transport;
  auto watcher = transport.watch();
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(watcher->next(50ms).empty());
  const auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_GE(waited, 45ms);
  EXPECT_LT(waited, 2s);
}

TEST(SimTransport, WatcherWakesOnEventFromAnotherThread) {
  SimTransport transport;
  auto watcher = transport.watch();
  auto waiting = std::async(std::launch::async, [&] { return watcher->next(10s); });
  std::this_thread::sleep_for(30ms);
  const auto start = std::chrono::steady_clock::now();
  transport.insertCard(1, sharedGeneric());
  ASSERT_EQ(waiting.wait_for(5s), std::future_status::ready);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
  EXPECT_EQ(kinds(waiting.get()), (Kinds{{"card.inserted", kReader1}}));
}

TEST(SimTransport, WatcherCancelWakesWithCancelled) {
  SimTransport transport;
  auto watcher = transport.watch();
  auto waiting = std::async(std::launch::async, [&] { return watcher->next(); });
  std::this_thread::sleep_for(30ms);
  watcher->cancel();
  ASSERT_EQ(waiting.wait_for(5s), std::future_status::ready);
  expectError([&] { waiting.get(); }, Errc::Cancelled);
  // The watcher stays usable afterwards.
  transport.insertCard(0, sharedGeneric());
  EXPECT_EQ(kinds(watcher->next(1s)), (Kinds{{"card.inserted", kReader0}}));
}

TEST(SimTransport, ConnectErrors) {
  SimTransport transport;
  expectError([&] { transport.connect("no such reader", ShareMode::Shared); },
              Errc::ReaderNotFound);
  expectError([&] { transport.connect(kReader0, ShareMode::Shared); }, Errc::CardAbsent);
}

TEST(SimTransport, ExclusiveConnectWhileConnectedIsReaderBusy) {
  SimTransport transport;
  transport.insertCard(0, sharedGeneric());
  auto shared = transport.connect(kReader0, ShareMode::Shared);
  auto second = transport.connect(kReader0, ShareMode::Shared);
  expectError([&] { transport.connect(kReader0, ShareMode::Exclusive); }, Errc::ReaderBusy);
  shared.reset();
  second.reset();
  auto exclusive = transport.connect(kReader0, ShareMode::Exclusive);
  EXPECT_TRUE(transport.listReaders()[0].inUse);
  expectError([&] { transport.connect(kReader0, ShareMode::Shared); }, Errc::ReaderBusy);
  exclusive.reset();
  EXPECT_FALSE(transport.listReaders()[0].inUse);
  EXPECT_NO_THROW(transport.connect(kReader0, ShareMode::Exclusive));
}

TEST(SimTransport, ConnectionTransmits) {
  SimTransport transport;
  auto card = sharedGeneric();
  transport.insertCard(0, card);
  auto connection = transport.connect(kReader0, ShareMode::Shared);
  EXPECT_EQ(connection->readerName(), kReader0);
  EXPECT_EQ(connection->atr(), card->atr());
  EXPECT_EQ(connection->protocol(), Protocol::T1);
  EXPECT_TRUE(connection->extendedLengthSupported());

  apdu::CommandApdu read;
  read.ins = 0xB0;
  read.p1 = 0x82;
  read.ne = 12;
  const apdu::ResponseApdu response = connection->transmit(read);
  EXPECT_EQ(response.sw, 0x9000);
  EXPECT_EQ(response.data, fromHex("5A 0A 80 99 90 00 00 00 00 12 34 56"));
  const Bytes raw = connection->transmitRaw(fromHex("00 CA 01 01 00"));
  EXPECT_EQ(raw, fromHex("48 43 42 2D 54 45 53 54 90 00"));
}

TEST(SimTransport, TransmitResolves61xxOnT0) {
  SimTransport transport;
  transport.insertCard(0, std::make_shared<Card>(loadProfile("generic-t0")));
  auto connection = transport.connect(kReader0, ShareMode::Shared);
  EXPECT_EQ(connection->protocol(), Protocol::T0);
  apdu::CommandApdu getData;
  getData.ins = 0xCA;
  getData.p1 = 0x01;
  getData.p2 = 0x01;
  getData.ne = 256;
  const apdu::ResponseApdu response = connection->transmit(getData);
  EXPECT_EQ(response.sw, 0x9000);
  EXPECT_EQ(response.data, bytesOf("HCB-TEST"));
}

TEST(SimTransport, ConnectPowersTheCardUp) {
  SimTransport transport;
  transport.insertCard(0, sharedGeneric());
  {
    auto connection = transport.connect(kReader0, ShareMode::Shared);
    EXPECT_EQ(connection->transmitRaw(fromHex("00 20 00 01 04 31 32 33 34")), fromHex("90 00"));
    // A second connection shares the powered card and its state.
    auto second = transport.connect(kReader0, ShareMode::Shared);
    EXPECT_EQ(second->transmitRaw(fromHex("00 20 00 01")), fromHex("90 00"));
  }
  auto connection = transport.connect(kReader0, ShareMode::Shared);
  EXPECT_EQ(connection->transmitRaw(fromHex("00 20 00 01")), fromHex("63 C3"));
}

TEST(SimTransport, CardRemovedMidExchange) {
  SimTransport transport;
  auto card = sharedGeneric();
  transport.insertCard(0, card);
  auto connection = transport.connect(kReader0, ShareMode::Shared);
  // Pulled while the 2nd command is being answered.
  card->setCommandHook([&transport](std::size_t count) {
    if (count == 2) transport.removeCard(0);
  });
  EXPECT_EQ(connection->transmitRaw(fromHex("00 A4 00 0C 02 3F 00")), fromHex("90 00"));
  expectError([&] { connection->transmitRaw(fromHex("00 B0 82 00 0C")); }, Errc::CardRemoved);
  expectError([&] { connection->transmitRaw(fromHex("00 B0 82 00 0C")); }, Errc::CardRemoved);
  card->setCommandHook(nullptr);
  // The same card inserted again is a new insertion: the old connection stays dead.
  transport.insertCard(0, card);
  apdu::CommandApdu select;
  select.ins = 0xA4;
  select.p2 = 0x0C;
  expectError([&] { connection->transmit(select); }, Errc::CardRemoved);
  auto fresh = transport.connect(kReader0, ShareMode::Shared);
  EXPECT_EQ(fresh->transmitRaw(fromHex("00 A4 00 0C")), fromHex("90 00"));
}

TEST(SimTransport, ReaderRemovedDuringConnection) {
  SimTransport transport;
  transport.insertCard(1, sharedGeneric());
  auto connection = transport.connect(kReader1, ShareMode::Exclusive);
  transport.removeReader(kReader1);
  expectError([&] { connection->transmitRaw(fromHex("00 A4 00 0C")); }, Errc::ReaderRemoved);
  connection.reset();  // must not disturb the slot's new life
  transport.addReader(kReader1);
  transport.insertCard(1, sharedGeneric());
  EXPECT_NO_THROW(transport.connect(kReader1, ShareMode::Exclusive));
}

TEST(SimTransport, TransactionKeepsOtherConnectionsWaiting) {
  SimTransport transport;
  transport.insertCard(0, sharedGeneric());
  auto first = transport.connect(kReader0, ShareMode::Shared);
  auto second = transport.connect(kReader0, ShareMode::Shared);
  first->beginTransaction();
  auto blocked =
      std::async(std::launch::async, [&] { return second->transmitRaw(fromHex("00 A4 00 0C")); });
  EXPECT_EQ(blocked.wait_for(100ms), std::future_status::timeout);
  EXPECT_EQ(first->transmitRaw(fromHex("00 A4 00 0C")), fromHex("90 00"));
  first->endTransaction();
  ASSERT_EQ(blocked.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(blocked.get(), fromHex("90 00"));
  {
    Transaction transaction(*second);
    EXPECT_EQ(second->transmitRaw(fromHex("00 A4 00 0C")), fromHex("90 00"));
  }
  Transaction again(*first);  // released by the RAII transaction above
}

TEST(SimTransport, TransactionOnRemovedCardThrows) {
  SimTransport transport;
  transport.insertCard(0, sharedGeneric());
  auto connection = transport.connect(kReader0, ShareMode::Shared);
  transport.removeCard(0);
  expectError([&] { connection->beginTransaction(); }, Errc::CardRemoved);
  connection->endTransaction();  // harmless
}

}  // namespace
}  // namespace hcbridge::sim::testing
