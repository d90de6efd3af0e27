// Waits for a condition that another thread makes true (polls every 2 ms).
#pragma once

#include <chrono>
#include <thread>

namespace hcbridge::testing {

template <typename Predicate>
bool eventually(Predicate predicate,
                std::chrono::milliseconds limit = std::chrono::milliseconds(5000)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!predicate()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

}  // namespace hcbridge::testing
