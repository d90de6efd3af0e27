// The JSON of card reads, kept per reader while the same data is read again.
// Pharmacy software polls a cached card thousands of times a second, and
// rendering its JSON was most of each read's cost (perf: a third of the
// service's CPU). An entry is found by the whole read (==), never by a
// generation number alone: an eGK being updated is read from the card each
// time and may differ between two reads. A read that differs (another card,
// an updated one) replaces its reader's entry.
//
// A pulled card's data is not kept after it left. The Router tells this
// class the card events: `cardInserted` and `forget` drop a reader's bodies,
// `forgetAll` drops all. Only the card of a `card.inserted` is kept, since a
// card pulled before it was announced never gets a `card.removed`; and a
// read under way when any card event came keeps nothing (`dropCount`).
// Bodies are wiped when dropped.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "hcbridge/api/backend.hpp"

namespace hcbridge::api {

struct RenderedRead {
  std::string body;                 // the response body: the patient's data
  std::vector<std::string> fields;  // its top-level keys, for the audit line
  RenderedRead(std::string renderedBody, std::vector<std::string> topLevelFields)
      : body(std::move(renderedBody)), fields(std::move(topLevelFields)) {}
  RenderedRead(const RenderedRead&) = delete;
  RenderedRead& operator=(const RenderedRead&) = delete;
  RenderedRead(RenderedRead&&) = default;
  RenderedRead& operator=(RenderedRead&&) = default;
  ~RenderedRead();  // wipes the body
};

class RenderedReads {
 public:
  // Field selections are the caller's choice: a few are kept per card, and
  // more clear the list rather than grow it.
  static constexpr std::size_t kMaxSelections = 8;
  // Reader names come and go with USB readers; the map never grows past this.
  static constexpr std::size_t kMaxReaders = 16;

  using Render = std::function<RenderedRead(const CardRead&)>;

  // How many card events so far. A read takes it before it asks the backend:
  // a read under way when a card left may bring back that card's data.
  std::uint64_t dropCount();
  // The rendering of `read` with the field selection named by `selection`
  // (any text that tells selections apart). Calls `render` when not kept;
  // what it throws passes through and nothing is kept. The rendering is kept
  // only for a reader whose card was announced, and only if `dropCount()` is
  // still `dropsBeforeRead`.
  std::shared_ptr<const RenderedRead> get(const CardRead& read, std::uint64_t dropsBeforeRead,
                                          const std::string& selection, const Render& render);
  // A card was announced in `reader` (card.inserted): a former card's
  // bodies go, this card's may be kept.
  void cardInserted(const std::string& reader);
  // Drops what is kept for `reader`, whose card left (or the reader did).
  void forget(const std::string& reader);
  // Drops everything (the card service was lost: any card may have left).
  void forgetAll();
  // How many renderings are kept (for tests: it stays bounded).
  std::size_t size();

 private:
  struct Entry {
    CardRead read;
    std::map<std::string, std::shared_ptr<const RenderedRead>> bySelection;
  };

  void dropLocked(const std::string& reader);

  std::mutex mutex_;
  std::map<std::string, Entry> byReader_;
  std::set<std::string> announced_;  // readers whose card.inserted came, and no removal since
  std::uint64_t drops_ = 0;          // card events so far
};

}  // namespace hcbridge::api
