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
  Pkcs11Token(const pkcs11::Module& module, ModuleThread& thread,
              std::unique_ptr<pkcs11::Session> session, Bytes keyId, bool rsaPss)
      : module_(module),
        thread_(thread),
        session_(std::move(session)),
        keyId_(std::move(keyId)),
        rsaPss_(rsaPss) {}

  ~Pkcs11Token() override {
    // C_Logout and C_CloseSession on the module's thread; a hung module keeps the session.
    auto session = std::shared_ptr<pkcs11::Session>(std::move(session_));
    if (!thread_.post([session]() mutable { session.reset(); }, nullptr) && thread_.hung()) {
      abandon(std::move(session));
    }
  }

  PinStatus pinStatus() override {
    const std::optional<pkcs11::TokenInfo> token = module_.token(session_->slotId());
    throwIfAbandoned();
    if (!token) {
      throw Error(Errc::CardRemoved, "the practitioner card left its reader",
                  "Insert the card again and open the session again.");
    }
    return pkcs11::pinStatusOf(*token);
  }
  void verifyPin(const SecretBytes& pin) override {
    session_->login(pin);
    throwIfAbandoned();
  }
  Bytes sign(ByteView digest, SignatureScheme scheme) override {
    Bytes signature = session_->sign(keyId_, scheme, digest);
    throwIfAbandoned();
    return signature;
  }
  // The module serialises its callers, and this thread is its only one.
  void exclusively(const std::function<void()>& steps) override { steps(); }
  void forget() noexcept override { session_->logout(); }
  auth::JwsAlgorithm signingAlgorithm(auth::JwsAlgorithm certificateAlgorithm) const override {
    return rsaPss_ && certificateAlgorithm == auth::JwsAlgorithm::RS256 ? auth::JwsAlgorithm::PS256
                                                                        : certificateAlgorithm;
  }

 private:
  // A call that came back after the watchdog gave up on it: its job was
  // answered already, so it must stop here, without answering again.
  void throwIfAbandoned() const {
    if (thread_.hung()) {
      throw Error(Errc::Pkcs11ModuleFailed, "the PKCS#11 module answered too late");
    }
  }

  const pkcs11::Module& module_;
  ModuleThread& thread_;
  std::unique_ptr<pkcs11::Session> session_;
  Bytes keyId_;
  bool rsaPss_;
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
    std::lock_guard lock(events_.mutex());
    std::lock_guard slotsLock(slotsMutex_);
    for (const auto& [name, slot] : slots_) {
      if (cardLeft_) cardLeft_(name, "module-failed");
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

std::string Pkcs11Practitioners::resolveReader(CardKind kind,
                                               const std::optional<std::string>& reader) const {
  if (kind != CardKind::Practitioner) {
    throw Error(Errc::OperationUnsupported, "the PKCS#11 module serves practitioner cards only");
  }
  if (auto known = knownCard(reader)) return *known;
  const auto slots =
      thread_.run<std::vector<pkcs11::SlotInfo>>([this] { return module_->slots(); });
  for (const pkcs11::SlotInfo& slot : slots) {
    if (!slot.token) continue;
    if (!settings_.tokenLabel.empty() && slot.token->label != settings_.tokenLabel) continue;
    const std::string pcscReader = readerOfSlot(slot);
    const std::string name = pcscReader.empty() ? nameOfSlot(slot) : pcscReader;
    if (reader && *reader != name && *reader != slot.token->label) continue;
    // Before slotsMutex_: the monitor takes the event lock, which comes first.
    const std::uint64_t readerGeneration = pcscReader.empty() ? 0 : readers_.cardGeneration(name);
    std::lock_guard lock(slotsMutex_);
    TrackedSlot& tracked = slots_[name];
    const bool sameToken = tracked.present && tracked.tokenSerial == slot.token->serialNumber &&
                           tracked.slotId == slot.id;
    if (!sameToken) {
      tracked.slotId = slot.id;
      tracked.behindReader = !pcscReader.empty();
      tracked.present = true;
      tracked.tokenSerial = slot.token->serialNumber;
      tracked.card.reset();
      ++tracked.generation;
    }
    tracked.token = *slot.token;
    tracked.listedAtGeneration = readerGeneration;
    return name;
  }
  throw noToken(settings_.module, reader);
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
  for (const auto& [name, generation] : candidates) {
    if (readers_.cardGeneration(name) == generation) return name;
  }
  return std::nullopt;
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
  const std::uint64_t generation = cardGeneration(reader);
  const TrackedSlot slot = trackedSlot(reader);
  if (slot.card && slot.cardOfGeneration == generation) return *slot.card;
  // Each certificate costs the card several READ BINARYs: once per insertion.
  // Whatever the token shows is checked again at each opening anyway: the
  // certificate against the trust settings, its key by a fresh signature.
  const auto session = module_->openSession(slot.slotId);
  TokenCard token = practitionerCardOfToken(slot.token, session->certificates(), settings_.keyId);
  const std::string serialHash = hasher_.hash(token.card.cardSerial);
  CachedCard card{nullptr, std::move(token.card), serialHash};
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
  const TrackedSlot slot = trackedSlot(reader);
  return std::make_shared<Pkcs11Token>(*module_, thread_, module_->openSession(slot.slotId),
                                       slot.keyId, settings_.rsaPss);
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
