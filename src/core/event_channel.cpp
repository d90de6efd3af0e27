#include "event_channel.hpp"

namespace hcbridge::core {

class EventChannel::Registration : public api::Subscription {
 public:
  Registration(EventChannel& channel, std::uint64_t id) : channel_(channel), id_(id) {}
  ~Registration() override { channel_.unsubscribe(id_); }

 private:
  EventChannel& channel_;
  std::uint64_t id_;
};

void EventChannel::publishLocked(const api::ServiceEvent& event) {
  for (const auto& [id, listener] : listeners_) listener(event);
}

void EventChannel::addSnapshot(Snapshot snapshot) {
  std::lock_guard lock(mutex_);
  snapshots_.push_back(std::move(snapshot));
}

std::unique_ptr<api::Subscription> EventChannel::subscribe(Listener listener) {
  std::lock_guard lock(mutex_);
  // The snapshot and the registration under one lock: no event between them
  // is lost or seen twice.
  for (const auto& snapshot : snapshots_) snapshot(listener);
  const auto id = nextId_++;
  listeners_.emplace(id, std::move(listener));
  return std::make_unique<Registration>(*this, id);
}

void EventChannel::unsubscribe(std::uint64_t id) {
  std::lock_guard lock(mutex_);
  listeners_.erase(id);
}

}  // namespace hcbridge::core
