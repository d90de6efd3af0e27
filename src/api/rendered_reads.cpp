#include "rendered_reads.hpp"

#include "hcbridge/secret.hpp"

namespace hcbridge::api {

RenderedRead::~RenderedRead() {
  wipeString(body);
}

std::uint64_t RenderedReads::dropCount() {
  std::lock_guard lock(mutex_);
  return drops_;
}

std::shared_ptr<const RenderedRead> RenderedReads::get(const CardRead& read,
                                                       std::uint64_t dropsBeforeRead,
                                                       const std::string& selection,
                                                       const Render& render) {
  {
    std::lock_guard lock(mutex_);
    const auto entry = byReader_.find(read.reader);
    if (entry != byReader_.end() && entry->second.read == read) {
      const auto kept = entry->second.bySelection.find(selection);
      if (kept != entry->second.bySelection.end()) return kept->second;
    }
  }
  // Rendered outside the lock: another reader's card need not wait for it.
  auto rendered = std::make_shared<const RenderedRead>(render(read));
  std::lock_guard lock(mutex_);
  // Its card may have left meanwhile, or may leave unannounced.
  if (drops_ != dropsBeforeRead || !announced_.contains(read.reader)) return rendered;
  auto entry = byReader_.find(read.reader);
  if (entry == byReader_.end()) {
    if (byReader_.size() >= kMaxReaders) byReader_.clear();
    entry = byReader_.emplace(read.reader, Entry{read, {}}).first;
  } else if (!(entry->second.read == read)) {
    entry->second = Entry{read, {}};
  }
  auto& bySelection = entry->second.bySelection;
  if (bySelection.size() >= kMaxSelections) bySelection.clear();
  bySelection[selection] = rendered;
  return rendered;
}

void RenderedReads::cardInserted(const std::string& reader) {
  std::lock_guard lock(mutex_);
  dropLocked(reader);
  if (announced_.size() >= kMaxReaders) announced_.clear();  // only costs renderings
  announced_.insert(reader);
}

void RenderedReads::forget(const std::string& reader) {
  std::lock_guard lock(mutex_);
  dropLocked(reader);
  announced_.erase(reader);
}

void RenderedReads::forgetAll() {
  std::lock_guard lock(mutex_);
  byReader_.clear();
  announced_.clear();
  ++drops_;
}

void RenderedReads::dropLocked(const std::string& reader) {
  byReader_.erase(reader);
  ++drops_;
}

std::size_t RenderedReads::size() {
  std::lock_guard lock(mutex_);
  std::size_t count = 0;
  for (const auto& [reader, entry] : byReader_) count += entry.bySelection.size();
  return count;
}

}  // namespace hcbridge::api
