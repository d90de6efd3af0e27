#include "rendered_reads.hpp"

#include "hcbridge/secret.hpp"

namespace hcbridge::api {

RenderedRead::~RenderedRead() {
  wipeString(body);
}

RenderedReads::ReadStart RenderedReads::startRead() {
  std::lock_guard lock(mutex_);
  return drops_;
}

std::shared_ptr<const RenderedRead> RenderedReads::get(const CardRead& read, ReadStart started,
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
  if (drops_ != started) return rendered;  // its card may have left meanwhile
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

void RenderedReads::forget(const std::string& reader) {
  std::lock_guard lock(mutex_);
  byReader_.erase(reader);
  ++drops_;
}

void RenderedReads::forgetAll() {
  std::lock_guard lock(mutex_);
  byReader_.clear();
  ++drops_;
}

std::size_t RenderedReads::size() {
  std::lock_guard lock(mutex_);
  std::size_t count = 0;
  for (const auto& [reader, entry] : byReader_) count += entry.bySelection.size();
  return count;
}

}  // namespace hcbridge::api
