#include "pkcs11_practitioners.hpp"

#include <mutex>
#include <utility>
#include <vector>

#include "hcbridge/error.hpp"
#include "hcbridge/pkcs11/selection.hpp"
#include "pkcs11_card_model.hpp"

namespace hcbridge::core {
namespace {

// What a hung module still uses (its sessions, the module itself) is kept
// here for the life of the process: freeing it under the hung call would
// crash, and a pointer kept by a global is not a leak to LeakSanitizer.
void abandon(std::shared_ptr<void> object) {
  static std::mutex mutex;
  static auto* abandoned = new std::vector<std::shared_ptr<void>>();
  std::lock_guard lock(mutex);
  abandoned->push_back(std::move(object));
}

// The token as the session uses it. Every call arrives on the module's
// thread (the session's jobs run there), and so does the end of its
// PKCS#11 session.
class Pkcs11Token : public PractitionerToken {
 public:
  // forgetCard: what else makes the card forget its PIN (a PC/SC reset of
  // the card behind a reader); serial: the token the session was opened for.
  using TokenInfoReader = std::function<std::optional<pkcs11::TokenInfo>()>;

  // tokenInfo: the slot's token as the module sees it now (the module may
  // have been loaded again since this session opened: after a pcscd restart).
  Pkcs11Token(TokenInfoReader tokenInfo, ModuleThread& thread,
              std::unique_ptr<pkcs11::Session> session, Bytes keyId, bool rsaPss,
              std::string serial, std::function<void()> forgetCard)
      : tokenInfo_(std::move(tokenInfo)),
        thread_(thread),
        session_(std::move(session)),
        keyId_(std::move(keyId)),
        rsaPss_(rsaPss),
        serial_(std::move(serial)),
        forgetCard_(std::move(forgetCard)) {}

  ~Pkcs11Token() override {
    // C_Logout and C_CloseSession on the module's thread; a hung module keeps the session.
    auto session = std::shared_ptr<pkcs11::Session>(std::move(session_));
    if (!thread_.post([session]() mutable { session.reset(); }, nullptr) && thread_.hung()) {
      abandon(std::move(session));
    }
  }

  // Right before every VERIFY (verifyPractitionerPin): also the check that
  // the slot still holds the token the session was opened for, so that a
  // token swapped in meanwhile never receives the PIN.
  PinStatus pinStatus() override {
    throwIfAbandoned();
    const std::optional<pkcs11::TokenInfo> token = tokenInfo_();
    throwIfAbandoned();
    if (!token || token->serialNumber != serial_) {
      throw Error(Errc::CardRemoved, "the practitioner card left its reader",
                  "Insert the card again and open the session again.");
    }
    return pkcs11::pinStatusOf(*token);
  }
  void verifyPin(const SecretBytes& pin) override {
    throwIfAbandoned();
    session_->login(pin);
    throwIfAbandoned();
  }
  Bytes sign(ByteView digest, SignatureScheme scheme) override {
    throwIfAbandoned();
    Bytes signature = session_->sign(keyId_, scheme, digest);
    throwIfAbandoned();
    return signature;
  }
  // The module serialises its callers, and this thread is its only one.
  void exclusively(const std::function<void()>& steps) override { steps(); }
  void forget() noexcept override {
    session_->logout();
    if (forgetCard_) forgetCard_();
  }
  auth::JwsAlgorithm signingAlgorithm(auth::JwsAlgorithm certificateAlgorithm) const override {
    return rsaPss_ && certificateAlgorithm == auth::JwsAlgorithm::RS256 ? auth::JwsAlgorithm::PS256
                                                                        : certificateAlgorithm;
  }

 private:
  // A call that came back after the watchdog gave up on it: its job was
  // answered already, so it must stop here, without answering again (and
  // without sending the PIN).
  void throwIfAbandoned() const {
    if (thread_.hung()) {
      throw Error(Errc::Pkcs11ModuleFailed, "the PKCS#11 module answered too late");
    }
  }

  TokenInfoReader tokenInfo_;
  ModuleThread& thread_;
  std::unique_ptr<pkcs11::Session> session_;
  Bytes keyId_;
  bool rsaPss_;
  std::string serial_;
  std::function<void()> forgetCard_;
};

std::string nameOfSlot(const pkcs11::SlotInfo& slot) {
  return slot.description.empty() ? "PKCS#11 slot " + std::to_string(slot.id) : slot.description;
}

Error noToken(const std::string& module, const std::optional<std::string>& reader) {
  return Error(Errc::CardAbsent,
               "no practitioner card in the slots of the PKCS#11 module " + module +
                   (reader ? " matching '" + *reader + "'" : ""),
               "Insert the practitioner card; `hcbridge doctor` lists the module's slots and "
               "tokens.");
}

}  // namespace

Pkcs11Practitioners::Pkcs11Practitioners(const Settings& settings, ReaderMonitor& readers,
                                         EventChannel& events, const SerialHasher& hasher)
    : settings_(settings),
      readers_(readers),
      events_(events),
      hasher_(hasher),
      thread_(settings.module, settings.callTimeout) {
  module_ = thread_.run<std::unique_ptr<pkcs11::Module>>(
      [path = settings_.module] { return pkcs11::Module::load(path); });
  readers_.setCardLeftHandler([this](const std::string& reader, const std::string& reason) {
    // pcscd went away: the module's PC/SC context and card handles are dead
    // with it (OpenSC answers CKR_GENERAL_ERROR to C_Login afterwards).
    if (reader.empty()) reloadModule_ = true;
    bool ours = false;
    {
      std::lock_guard lock(slotsMutex_);
      for (const auto& [name, slot] : slots_) {
        if (slot.behindReader && (reader.empty() || name == reader)) ours = true;
      }
    }
    if (ours && cardLeft_) cardLeft_(reader, reason);
  });
  // A hung module ends the session as a pulled card would, with its own reason.
  thread_.onHung([this] {
    std::vector<std::string> cardsBehindReaders;
    {
      std::lock_guard lock(events_.mutex());
      std::lock_guard slotsLock(slotsMutex_);
      for (const auto& [name, slot] : slots_) {
        if (cardLeft_) cardLeft_(name, "module-failed");
        if (slot.behindReader) cardsBehindReaders.push_back(name);
      }
    }
    // The module cannot log out any more: reset the cards it verified a PIN on.
    for (const auto& reader : cardsBehindReaders) {
      readers_.postCleanup(reader, [this, reader] { resetCard(reader); });
    }
  });
  presenceThread_ = std::thread([this] { presenceLoop(); });
}

Pkcs11Practitioners::~Pkcs11Practitioners() {
  stop();
  // A hung module's thread is still inside it: leave the module loaded.
  if (thread_.hung()) abandon(std::shared_ptr<pkcs11::Module>(std::move(module_)));
}

void Pkcs11Practitioners::stop() {
  {
    std::lock_guard lock(presenceMutex_);
    if (stopping_) return;
    stopping_ = true;
    presenceChanged_.notify_all();
  }
  if (presenceThread_.joinable()) presenceThread_.join();
  thread_.stop();
}

void Pkcs11Practitioners::setCardLeftHandler(CardLeftHandler handler) {
  cardLeft_ = std::move(handler);
}

std::string Pkcs11Practitioners::readerOfSlot(const pkcs11::SlotInfo& slot) const {
  std::vector<std::string> names;
  for (const api::ReaderView& reader : readers_.readers()) names.push_back(reader.name);
  return pkcs11::readerOfSlot(slot.description, names);
}

bool Pkcs11Practitioners::postToCard(CardKind kind, const std::optional<std::string>& reader,
                                     CardJob job, FailHandler fail) {
  if (kind != CardKind::Practitioner) {
    fail(std::make_exception_ptr(
        Error(Errc::OperationUnsupported, "the PKCS#11 module serves practitioner cards only")));
    return false;
  }
  return thread_.post(
      [this, reader, job = std::move(job)] {
        const std::string target = resolve(reader);
        try {
          job(target, cardGeneration(target));
        } catch (const Error& error) {
          // The module no longer knows the token where the listing said: list again next time.
          if (error.code() == Errc::CardRemoved || error.code() == Errc::CardAbsent ||
              error.code() == Errc::ReaderNotFound) {
            std::lock_guard lock(slotsMutex_);
            if (auto found = slots_.find(target); found != slots_.end()) {
              found->second.listedAtGeneration = 0;
            }
          }
          throw;
        }
      },
      std::move(fail));
}

std::string Pkcs11Practitioners::resolve(const std::optional<std::string>& reader) {
  if (thread_.hung()) throw Error(Errc::Pkcs11ModuleFailed, "the PKCS#11 module hung");
  if (reloadModule_.exchange(false)) reloadModule();
  if (auto known = knownCard(reader)) return *known;
  struct Found {
    pkcs11::SlotInfo slot;
    std::string name;
    std::string pcscReader;
  };
  std::vector<Found> found;
  for (pkcs11::SlotInfo& slot : module_->slots()) {
    if (!pkcs11::isPractitionerToken(slot, settings_.tokenLabel)) continue;
    const std::string pcscReader = readerOfSlot(slot);
    std::string name = pcscReader.empty() ? nameOfSlot(slot) : pcscReader;
    if (reader && *reader != name && *reader != slot.token->label) continue;
    found.push_back({std::move(slot), std::move(name), pcscReader});
  }
  if (found.empty()) throw noToken(settings_.module, reader);
  if (found.size() > 1) {
    std::string names;
    for (const Found& each : found) {
      names +=
          (names.empty() ? "'" : ", '") + each.name + "' (token '" + each.slot.token->label + "')";
    }
    throw Error(Errc::BadRequest,
                "several practitioner cards or tokens are present: " + names +
                    "; the PIN goes to none of them until one is chosen",
                "Name the practitioner's reader (or token label) in \"reader\", remove the "
                "card or token that is not the practitioner's, or set "
                "practitioner_pkcs11.token_label.");
  }
  const Found& chosen = found.front();
  // Before slotsMutex_: the monitor takes the event lock, which comes first.
  const std::uint64_t readerGeneration =
      chosen.pcscReader.empty() ? 0 : readers_.cardGeneration(chosen.name);
  std::lock_guard lock(slotsMutex_);
  TrackedSlot& tracked = slots_[chosen.name];
  const bool sameToken = tracked.present &&
                         tracked.tokenSerial == chosen.slot.token->serialNumber &&
                         tracked.slotId == chosen.slot.id;
  if (!sameToken) {
    tracked.slotId = chosen.slot.id;
    tracked.behindReader = !chosen.pcscReader.empty();
    tracked.present = true;
    tracked.tokenSerial = chosen.slot.token->serialNumber;
    tracked.card.reset();
    ++tracked.generation;
  }
  tracked.token = *chosen.slot.token;
  tracked.listedAtGeneration = readerGeneration;
  return chosen.name;
}

// A card in a reader that has not left since its slot was listed: listing
// the module's slots again costs OpenSC a scan of every reader (tens of ms).
std::optional<std::string> Pkcs11Practitioners::knownCard(
    const std::optional<std::string>& reader) const {
  std::vector<std::pair<std::string, std::uint64_t>> candidates;
  {
    std::lock_guard lock(slotsMutex_);
    for (const auto& [name, slot] : slots_) {
      if (slot.behindReader && slot.present && slot.listedAtGeneration != 0 &&
          (!reader || *reader == name || *reader == slot.token.label)) {
        candidates.emplace_back(name, slot.listedAtGeneration);
      }
    }
  }
  // Outside slotsMutex_: the monitor takes the event lock, which comes first.
  std::optional<std::string> known;
  for (const auto& [name, generation] : candidates) {
    if (readers_.cardGeneration(name) != generation) continue;
    if (known) return std::nullopt;  // several: resolve() lists them and asks
    known = name;
  }
  return known;
}

Pkcs11Practitioners::TrackedSlot Pkcs11Practitioners::trackedSlot(const std::string& reader) const {
  std::lock_guard lock(slotsMutex_);
  auto found = slots_.find(reader);
  if (found == slots_.end()) throw noToken(settings_.module, reader);
  return found->second;
}

std::uint64_t Pkcs11Practitioners::cardGeneration(const std::string& reader) const {
  const TrackedSlot slot = trackedSlot(reader);
  return slot.behindReader ? readers_.cardGeneration(reader) : slot.generation;
}

bool Pkcs11Practitioners::holdsCardLocked(const std::string& reader,
                                          std::uint64_t generation) const {
  std::lock_guard lock(slotsMutex_);
  auto found = slots_.find(reader);
  if (found == slots_.end()) return false;
  if (found->second.behindReader) return readers_.holdsCardLocked(reader, generation);
  return found->second.present && found->second.generation == generation;
}

bool Pkcs11Practitioners::post(const std::string&, std::function<void()> job, FailHandler fail) {
  return thread_.post(std::move(job), std::move(fail));
}

void Pkcs11Practitioners::postCleanup(const std::string&, std::function<void()> job) {
  thread_.post(std::move(job), nullptr);
}

CachedCard Pkcs11Practitioners::readCard(const std::string& reader) {
  if (thread_.hung()) throw Error(Errc::Pkcs11ModuleFailed, "the PKCS#11 module hung");
  const std::uint64_t generation = cardGeneration(reader);
  const TrackedSlot slot = trackedSlot(reader);
  if (slot.card && slot.cardOfGeneration == generation) return *slot.card;
  // Each certificate costs the card several READ BINARYs: once per insertion.
  // Whatever the token shows is checked again at each opening anyway: the
  // certificate against the trust settings, its key by a fresh signature.
  const auto session = module_->openSession(slot.slotId);
  TokenCard token = practitionerCardOfToken(slot.token, session->certificates(), settings_.keyId);
  const std::string serialHash = hasher_.hash(token.card.cardSerial);
  CachedCard card{nullptr, std::make_shared<const CardModel>(std::move(token.card)), serialHash};
  {
    std::lock_guard lock(slotsMutex_);
    TrackedSlot& tracked = slots_[reader];
    tracked.keyId = token.keyId;
    tracked.card = card;
    tracked.cardOfGeneration = generation;
  }
  return card;
}

std::shared_ptr<PractitionerToken> Pkcs11Practitioners::openToken(const std::string& reader,
                                                                  const CachedCard&) {
  if (thread_.hung()) throw Error(Errc::Pkcs11ModuleFailed, "the PKCS#11 module hung");
  const TrackedSlot slot = trackedSlot(reader);
  std::function<void()> forgetCard;
  if (slot.behindReader) forgetCard = [this, reader] { resetCard(reader); };
  const unsigned long slotId = slot.slotId;
  auto tokenInfo = [this, slotId]() -> std::optional<pkcs11::TokenInfo> {
    if (!module_) return std::nullopt;  // loading it again after pcscd's return failed
    return module_->token(slotId);
  };
  return std::make_shared<Pkcs11Token>(std::move(tokenInfo), thread_,
                                       module_->openSession(slot.slotId), slot.keyId,
                                       settings_.rsaPss, slot.tokenSerial, std::move(forgetCard));
}

// On the module's thread, after pcscd came back: C_Finalize, then the module
// starts afresh (C_Initialize), as a program started now would. The session
// ended with pcscd, and its token went before this job (one queue).
void Pkcs11Practitioners::reloadModule() {
  {
    std::lock_guard lock(slotsMutex_);
    slots_.clear();
  }
  module_.reset();
  try {
    module_ = pkcs11::Module::load(settings_.module);
  } catch (const Error&) {
    reloadModule_ = true;  // try again at the next opening
    throw;
  }
}

void Pkcs11Practitioners::resetCard(const std::string& reader) {
  try {
    readers_.connect(reader, ShareMode::Shared)->resetCard();
  } catch (const Error&) {
    // The card left, or pcscd is gone: its PIN state went with it.
  }
  // The slot is not listed again for the reset: OpenSC notices it and binds
  // the card again by itself (measured: 7 ms per opening instead of 57).
}

void Pkcs11Practitioners::presenceLoop() {
  std::unique_lock lock(presenceMutex_);
  while (!stopping_) {
    presenceChanged_.wait_for(lock, settings_.presencePoll);
    if (stopping_) return;
    lock.unlock();
    thread_.post([this] { checkPresence(); }, nullptr);
    lock.lock();
  }
}

void Pkcs11Practitioners::checkPresence() {
  if (!module_) return;  // loading it again after pcscd's return failed: nothing to watch
  std::map<std::string, TrackedSlot> watched;
  {
    std::lock_guard lock(slotsMutex_);
    for (const auto& [name, slot] : slots_) {
      if (!slot.behindReader && slot.present) watched.emplace(name, slot);
    }
  }
  for (const auto& [name, slot] : watched) {
    bool stillThere = false;
    try {
      const pkcs11::SlotInfo info = module_->slot(slot.slotId);
      stillThere = info.token && info.token->serialNumber == slot.tokenSerial;
    } catch (const Error&) {
      // The slot itself is gone.
    }
    if (stillThere) continue;
    std::lock_guard lock(events_.mutex());
    {
      std::lock_guard slotsLock(slotsMutex_);
      TrackedSlot& tracked = slots_[name];
      tracked.present = false;
      ++tracked.generation;
    }
    if (cardLeft_) cardLeft_(name, "card-removed");
  }
}

}  // namespace hcbridge::core
