// Helpers shared by the simulator unit tests.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "hcbridge/bytes.hpp"
#include "hcbridge/error.hpp"
#include "hcbridge/sim/card.hpp"
#include "hcbridge/sim/profile.hpp"
#include "hcbridge_test/expect_error.hpp"

namespace hcbridge::sim::testing {

struct Reply {
  Bytes data;
  std::uint16_t sw = 0;
};

// Sends a command given in hex ("00 A4 04 00 ...") and splits the answer.
inline Reply send(Card& card, std::string_view commandHex) {
  const Bytes raw = card.process(fromHex(commandHex));
  EXPECT_GE(raw.size(), 2u);
  if (raw.size() < 2) return {};
  Reply reply;
  reply.data.assign(raw.begin(), raw.end() - 2);
  reply.sw = static_cast<std::uint16_t>((raw[raw.size() - 2] << 8) | raw.back());
  return reply;
}

inline std::uint16_t sw(Card& card, std::string_view commandHex) {
  return send(card, commandHex).sw;
}

inline std::unique_ptr<Card> genericCard() {
  return std::make_unique<Card>(loadProfile("generic"));
}
inline std::unique_ptr<Card> genericT0Card() {
  return std::make_unique<Card>(loadProfile("generic-t0"));
}

// The content of an EF of a profile, found by FID path from the MF.
inline const FileNode* findFile(const FileNode& df, std::initializer_list<std::uint16_t> path) {
  const FileNode* node = &df;
  for (const std::uint16_t fid : path) {
    const FileNode* next = nullptr;
    for (const auto& child : node->children) {
      if (child.fid && *child.fid == fid) next = &child;
    }
    if (next == nullptr) return nullptr;
    node = next;
  }
  return node;
}

inline Bytes bytesOf(std::string_view text) {
  return Bytes(text.begin(), text.end());
}

using hcbridge::testing::expectError;
}  // namespace hcbridge::sim::testing
