#include "sim_fixture.hpp"

#include <functional>
#include <thread>

#include "pcscd_control.hpp"

namespace hcbridge::testing {

using namespace std::chrono_literals;

LargeFile findLargeFile(const sim::Profile& profile) {
  LargeFile best;
  std::function<void(const sim::FileNode&, const Bytes&)> visit = [&](const sim::FileNode& node,
                                                                      const Bytes& aid) {
    for (const auto& child : node.children) {
      if (child.type == sim::FileNode::Type::DF) {
        visit(child, child.aid.empty() ? aid : child.aid);
      } else if (child.type == sim::FileNode::Type::TransparentEF && child.fid && !aid.empty() &&
                 child.read.kind == sim::AccessRule::Kind::Always &&
                 child.data.size() > best.content.size()) {
        best = {aid, *child.fid, child.data};
      }
    }
  };
  visit(profile.mf, {});
  return best;
}

void PcscIntegrationTest::SetUp() {
  ASSERT_TRUE(PcscdControl::isRunning()) << "pcscd is not running";
  transport_ = pcsc::makeTransport();
}

void PcscIntegrationTest::TearDown() {
  bool removedAny = false;
  for (auto& slot : slots_) {
    removedAny = removedAny || slot != nullptr;
    slot.reset();  // removes the card
  }
  if (!removedAny || !PcscdControl::isRunning()) return;
  // Leave the readers empty for the next test, as pcscd sees them.
  auto watcher = transport_->watch();
  auto anyCard = [](const std::vector<ReaderInfo>& readers) {
    for (const auto& r : readers)
      if (r.cardPresent) return true;
    return false;
  };
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (anyCard(watcher->snapshot()) && std::chrono::steady_clock::now() < deadline) {
    watcher->next(500ms);
  }
}

sim::VpcdClient& PcscIntegrationTest::insertCard(const std::string& profile, int slot) {
  auto card = std::make_shared<sim::Card>(sim::loadProfile(profile));
  auto& client = slots_[slot];
  client = std::make_unique<sim::VpcdClient>(
      card, "127.0.0.1", static_cast<std::uint16_t>(sim::kVpcdBasePort + slot));
  client->insert();
  EXPECT_TRUE(client->waitConnected(5s)) << "vpcd did not accept the simulated card";
  // pcscd notices a vpcd card at its next presence poll; wait until it does.
  const std::string& reader = slot == 0 ? kReader0 : kReader1;
  auto watcher = transport_->watch();
  for (const auto& info : watcher->snapshot()) {
    if (info.name == reader && info.cardPresent) return *client;
  }
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (std::chrono::steady_clock::now() < deadline) {
    for (const auto& event : watcher->next(1000ms)) {
      if (event.kind == ReaderEventKind::CardInserted && event.reader == reader) return *client;
    }
  }
  ADD_FAILURE() << "pcscd did not report the card in " << reader;
  return *client;
}

void PcscIntegrationTest::removeCard(int slot) { slots_[slot].reset(); }

}  // namespace hcbridge::testing
