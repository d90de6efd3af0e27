// What a practitioner session needs from the readers, and no more:
// ReaderMonitor provides it (cards through hcbridge's drivers),
// Pkcs11Practitioners too (tokens of a PKCS#11 module); session tests fake
// it without readers or a watcher.
#pragma once

#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "hcbridge/card_driver.hpp"
#include "hcbridge/core/card_cache.hpp"
#include "hcbridge/transport.hpp"
#include "practitioner_token.hpp"

namespace hcbridge::core {

class SessionCards {
 public:
  // Called under the event lock when the card in `reader` is gone: reason
  // "card-removed", "reader-removed", or "service-lost" (reader empty: every
  // card may have been reset).
  using CardLeftHandler = std::function<void(const std::string& reader, const std::string& reason)>;
  using FailHandler = std::function<void(std::exception_ptr)>;

  virtual ~SessionCards() = default;

  virtual void setCardLeftHandler(CardLeftHandler handler) = 0;
  using CardJob = std::function<void(const std::string& reader, std::uint64_t generation)>;
  // Finds the card (the named reader, or the first holding a card of that
  // kind) and runs job on its strand with the reader and which insertion of
  // a card it holds; what either throws goes to fail. Finding the card may
  // ask a card middleware's module, which may be slow: it never blocks the
  // caller's thread (the network's).
  virtual bool postToCard(CardKind kind, const std::optional<std::string>& reader, CardJob job,
                          FailHandler fail) = 0;
  // Caller holds the event lock: the reader still holds that insertion.
  virtual bool holdsCardLocked(const std::string& reader, std::uint64_t generation) const = 0;
  // Runs job on the reader's strand and reports what it throws to fail.
  virtual bool post(const std::string& reader, std::function<void()> job, FailHandler fail) = 0;
  // Queues cleanup behind the reader's jobs; nothing to report.
  virtual void postCleanup(const std::string& reader, std::function<void()> job) = 0;
  // On the reader's strand: the cached model of the card in it.
  virtual CachedCard readCard(const std::string& reader) = 0;
  // On the reader's strand: the practitioner card `card` (from readCard) as
  // the session uses it, held for the session alone (an exclusive connection).
  virtual std::shared_ptr<PractitionerToken> openToken(const std::string& reader,
                                                       const CachedCard& card) = 0;
};

}  // namespace hcbridge::core
