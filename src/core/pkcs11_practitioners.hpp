// Practitioner cards through the card middleware's PKCS#11 module (config
// practitioner_pkcs11): the same PractitionerSession, with the module in
// place of hcbridge's card drivers. A token whose slot description names a
// PC/SC reader (OpenSC, Cryptolib CPS: the reader's name) is that reader's
// card: the reader monitor's events say when it leaves, at once. A token
// with no reader behind it (SoftHSM2) is checked for presence every
// presencePoll while a session is open. One thread owns the module
// (ModuleThread, with its watchdog).
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "event_channel.hpp"
#include "hcbridge/core/authentication_settings.hpp"
#include "hcbridge/core/serial_hasher.hpp"
#include "hcbridge/pkcs11/module.hpp"
#include "module_thread.hpp"
#include "reader_monitor.hpp"

namespace hcbridge::core {

class Pkcs11Practitioners : public SessionCards {
 public:
  using Settings = AuthenticationSettings::Pkcs11Practitioner;

  // Loads the module on its thread: throws pkcs11-module-failed naming it.
  // Construct before the reader monitor starts (it takes its card-left handler).
  Pkcs11Practitioners(const Settings& settings, ReaderMonitor& readers, EventChannel& events,
                      const SerialHasher& hasher);
  ~Pkcs11Practitioners() override;
  Pkcs11Practitioners(const Pkcs11Practitioners&) = delete;
  Pkcs11Practitioners& operator=(const Pkcs11Practitioners&) = delete;

  // Runs the queued module calls, logs out, ends the threads. Idempotent.
  void stop();

  void setCardLeftHandler(CardLeftHandler handler) override;
  // On the module's thread: finds the token (resolve()), then runs job.
  bool postToCard(CardKind kind, const std::optional<std::string>& reader, CardJob job,
                  FailHandler fail) override;
  bool holdsCardLocked(const std::string& reader, std::uint64_t generation) const override;
  bool post(const std::string& reader, std::function<void()> job, FailHandler fail) override;
  void postCleanup(const std::string& reader, std::function<void()> job) override;
  CachedCard readCard(const std::string& reader) override;
  std::shared_ptr<PractitionerToken> openToken(const std::string& reader,
                                               const CachedCard& card) override;

 private:
  struct TrackedSlot {
    unsigned long slotId = 0;
    bool behindReader = false;     // a PC/SC reader's card: the monitor tracks it
    std::uint64_t generation = 0;  // without a reader: which insertion of the token
    bool present = false;
    std::string tokenSerial;
    pkcs11::TokenInfo token;  // as the slot listing showed it
    Bytes keyId;              // the authentication key, once read
    // The card model read from the token, and for which insertion: a session
    // opened again on the same card reads no certificate again.
    std::optional<CachedCard> card;
    std::uint64_t cardOfGeneration = 0;
    // Behind a reader: the reader's insertion when the slot was listed (0: unknown).
    std::uint64_t listedAtGeneration = 0;
  };

  // On the module's thread: the reader (or, without one, the slot
  // description) of the one token present; `reader` (a reader's name or a
  // token label) chooses among several. Several tokens and no choice is
  // refused: the PIN must not go to whichever token comes first (anyone can
  // copy a practitioner's public certificate onto a token of their own).
  std::string resolve(const std::optional<std::string>& reader);
  std::uint64_t cardGeneration(const std::string& reader) const;
  // Which PC/SC reader a slot description names, "" for none.
  std::string readerOfSlot(const pkcs11::SlotInfo& slot) const;
  TrackedSlot trackedSlot(const std::string& reader) const;
  // Resets the card of a token behind a reader over
  // PC/SC, so the PIN the module verified is gone for every program (a
  // module's C_Logout may send nothing to the card).
  void resetCard(const std::string& reader);
  void reloadModule();
  std::optional<std::string> knownCard(const std::optional<std::string>& reader) const;
  void presenceLoop();
  // On the module thread: tokens without a reader that left (or changed).
  void checkPresence();

  const Settings settings_;
  ReaderMonitor& readers_;
  EventChannel& events_;
  const SerialHasher& hasher_;
  ModuleThread thread_;
  std::unique_ptr<pkcs11::Module> module_;
  CardLeftHandler cardLeft_;
  mutable std::mutex slotsMutex_;
  mutable std::map<std::string, TrackedSlot> slots_;  // by the name the session uses
  std::mutex presenceMutex_;
  std::condition_variable presenceChanged_;
  bool stopping_ = false;
  std::atomic<bool> reloadModule_{false};  // pcscd was lost: C_Finalize and C_Initialize again
  std::thread presenceThread_;
};

}  // namespace hcbridge::core
