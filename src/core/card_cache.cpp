#include "hcbridge/core/card_cache.hpp"

namespace hcbridge::core {
namespace {

const std::string& serialOf(const CardModel& model) {
  return std::visit([](const auto& card) -> const std::string& { return card.cardSerial; }, model);
}

// An eGK whose StatusVD says an update of its insurance data is in progress
// will change: such a model is returned but never kept.
bool updateInProgress(const CardModel& model) {
  const auto* patient = std::get_if<PatientCard>(&model);
  return patient != nullptr && patient->egk && patient->egk->statusVd.updateInProgress;
}

}  // namespace

CardCache::CardCache(const DriverRegistry& registry, const SerialHasher& hasher)
    : registry_(registry), hasher_(hasher) {}

CachedCard CardCache::read(Transport& transport, const std::string& reader) {
  std::uint64_t generation = 0;
  {
    std::lock_guard lock(mutex_);
    if (auto it = byReader_.find(reader); it != byReader_.end()) return it->second;
    generation = generation_[reader];
  }
  auto connection = transport.connect(reader, ShareMode::Shared);
  CachedCard card;
  {
    Transaction transaction(*connection);
    card.driver = &registry_.identify(*connection);
    card.model = std::make_shared<const CardModel>(card.driver->read(*connection));
  }
  card.serialHash = hasher_.hash(serialOf(*card.model));
  std::lock_guard lock(mutex_);
  // A card event during the read means the model may belong to a card that
  // has left: return it to this caller, but do not keep it.
  if (generation_[reader] == generation && !updateInProgress(*card.model)) byReader_[reader] = card;
  return card;
}

void CardCache::onEvent(const ReaderEvent& event) {
  switch (event.kind) {
    case ReaderEventKind::CardInserted:
    case ReaderEventKind::CardRemoved:
    case ReaderEventKind::ReaderRemoved: {
      std::lock_guard lock(mutex_);
      byReader_.erase(event.reader);
      ++generation_[event.reader];
      break;
    }
    case ReaderEventKind::ServiceLost:
      clear();
      break;
    default:
      break;
  }
}

void CardCache::clear() {
  std::lock_guard lock(mutex_);
  byReader_.clear();
  for (auto& [reader, generation] : generation_) ++generation;
}

std::optional<CachedCard> CardCache::find(const std::string& reader) const {
  std::lock_guard lock(mutex_);
  const auto it = byReader_.find(reader);
  if (it == byReader_.end()) return std::nullopt;
  return it->second;
}

}  // namespace hcbridge::core
