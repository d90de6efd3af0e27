// The card transport interface: readers, card events, connections. Two
// implementations: PC/SC (src/pcsc, the only code calling libpcsclite) and the
// in-process simulator (src/sim, SimTransport).
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hcbridge/apdu.hpp"
#include "hcbridge/bytes.hpp"
#include "hcbridge/error.hpp"

namespace hcbridge {

enum class ShareMode { Exclusive, Shared };
enum class Protocol { T0, T1 };

struct ReaderInfo {
  std::string name;
  bool cardPresent = false;
  bool inUse = false;  // another program holds the card exclusively
  bool mute = false;   // a card is there but gives no usable ATR
  Bytes atr;           // empty when no card

  bool operator==(const ReaderInfo&) const = default;
};

enum class ReaderEventKind {
  ReaderAdded,
  ReaderRemoved,
  CardInserted,
  CardRemoved,
  ServiceLost,      // pcscd went away; events resume after ServiceRestored
  ServiceRestored,  // the transport reconnected to pcscd by itself
};

// Stable names used in CLI and API output.
constexpr std::string_view readerEventName(ReaderEventKind kind) {
  switch (kind) {
    case ReaderEventKind::ReaderAdded:
      return "reader.added";
    case ReaderEventKind::ReaderRemoved:
      return "reader.removed";
    case ReaderEventKind::CardInserted:
      return "card.inserted";
    case ReaderEventKind::CardRemoved:
      return "card.removed";
    case ReaderEventKind::ServiceLost:
      return "service.lost";
    case ReaderEventKind::ServiceRestored:
      return "service.restored";
  }
  return "unknown";
}

struct ReaderEvent {
  ReaderEventKind kind;
  std::string reader;  // empty for ServiceLost / ServiceRestored
  Bytes atr;           // for CardInserted
};

// A connection to the card in one reader. Not thread-safe: one user at a time.
class CardConnection {
 public:
  virtual ~CardConnection() = default;

  virtual const std::string& readerName() const = 0;
  virtual const Bytes& atr() const = 0;
  virtual Protocol protocol() const = 0;
  // Whether commands may use extended Lc/Le (card ATR says so and the reader
  // passes them).
  virtual bool extendedLengthSupported() const = 0;

  // Sends one command; 61xx (GET RESPONSE) and 6Cxx (re-send with the right
  // Le) are resolved here once, so callers see the final response.
  // Throws Error(CardRemoved | ReaderRemoved | CardUnresponsive | ...).
  virtual apdu::ResponseApdu transmit(const apdu::CommandApdu& command) = 0;
  // Sends bytes unchanged and returns the card's bytes unchanged.
  virtual Bytes transmitRaw(ByteView command) = 0;

  // Exclusive access across processes for a multi-APDU exchange. Prefer the
  // RAII Transaction below.
  virtual void beginTransaction() = 0;
  virtual void endTransaction() noexcept = 0;
  // Warm-resets the card: it forgets its security state (a verified PIN), so
  // nobody can use the PIN once the practitioner session that verified it has
  // closed. The connection stays usable. Transports without it throw
  // Error(OperationUnsupported).
  virtual void resetCard();
};

inline void CardConnection::resetCard() {
  throw Error(Errc::OperationUnsupported, "this card connection cannot reset the card");
}

// RAII exclusive transaction: no other program's APDU interleaves with ours.
class Transaction {
 public:
  explicit Transaction(CardConnection& connection) : connection_(connection) {
    connection_.beginTransaction();
  }
  ~Transaction() { connection_.endTransaction(); }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

 private:
  CardConnection& connection_;
};

// Blocks (without polling) until readers or cards change. Each watcher has its
// own baseline: the first call to next() reports nothing that snapshot()
// already showed.
class ReaderWatcher {
 public:
  virtual ~ReaderWatcher() = default;
  // The readers as the watcher's baseline sees them now.
  virtual std::vector<ReaderInfo> snapshot() = 0;
  // Waits until at least one event happened, the timeout passed (returns an
  // empty vector) or cancel() was called (throws Error(Cancelled)).
  // nullopt timeout = wait forever.
  virtual std::vector<ReaderEvent> next(
      std::optional<std::chrono::milliseconds> timeout = std::nullopt) = 0;
  // Thread-safe; wakes a blocked next().
  virtual void cancel() = 0;
};

class Transport {
 public:
  virtual ~Transport() = default;
  // Throws Error(PcscUnavailable) when the service cannot be reached.
  virtual std::vector<ReaderInfo> listReaders() = 0;
  // Throws Error(ReaderNotFound | CardAbsent | ReaderBusy | CardUnresponsive).
  virtual std::unique_ptr<CardConnection> connect(const std::string& reader,
                                                  ShareMode mode = ShareMode::Shared) = 0;
  virtual std::unique_ptr<ReaderWatcher> watch() = 0;
};

}  // namespace hcbridge
