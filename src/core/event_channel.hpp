// One ordered stream of service events. Every state change that emits an
// event (readers, cards, the practitioner session) happens under this
// channel's lock, so listeners see events one at a time and in the order the
// changes happened, and a new listener's snapshot cannot race an event.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "hcbridge/api/backend.hpp"

namespace hcbridge::core {

class EventChannel {
 public:
  using Listener = std::function<void(const api::ServiceEvent&)>;
  // Replays a part of the current state as events; runs under the lock.
  using Snapshot = std::function<void(const Listener&)>;

  EventChannel() = default;
  EventChannel(const EventChannel&) = delete;
  EventChannel& operator=(const EventChannel&) = delete;

  // The lock that orders state changes with their events.
  std::mutex& mutex() { return mutex_; }

  // Caller holds mutex(). Listeners run here, so they must not block.
  void publishLocked(const api::ServiceEvent& event);

  // Snapshots replay in the order added (readers before the session). Add
  // them before anyone subscribes.
  void addSnapshot(Snapshot snapshot);

  // Sends the snapshots, then live events; destroying the result unsubscribes.
  std::unique_ptr<api::Subscription> subscribe(Listener listener);

 private:
  class Registration;
  void unsubscribe(std::uint64_t id);

  std::mutex mutex_;
  std::vector<Snapshot> snapshots_;
  std::map<std::uint64_t, Listener> listeners_;
  std::uint64_t nextId_ = 1;
};

}  // namespace hcbridge::core
