// sim::Card: the public face of the card engine (locking, power cycle, hook).
#include "hcbridge/sim/card.hpp"

#include <openssl/crypto.h>

#include "card_state.hpp"
#include "hcbridge/error.hpp"

namespace hcbridge::sim {

struct Card::State : detail::CardState {};

namespace detail {

void CardState::resetSession() {
  verifiedPins.clear();
  verifiedPuks.clear();
  mseKey.reset();
  mseAlgorithm.reset();
  mseTemplate = 0;
  hasPending = false;
  pendingData.clear();
  dfPath.assign(1, &profile.mf);
  currentEf = nullptr;
}

namespace {

// The entry of `items` with reference `ref` seen from the DF path: entries
// of the innermost DF on the path first, then global ones (no DF AID).
template <typename Items>
std::optional<std::size_t> resolve(const Items& items, std::uint8_t ref,
                                   const std::vector<FileNode*>& dfPath) {
  for (auto df = dfPath.rbegin(); df != dfPath.rend(); ++df) {
    if ((*df)->aid.empty()) continue;
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (items[i].ref == ref && items[i].dfAid == (*df)->aid) return i;
    }
  }
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (items[i].ref == ref && items[i].dfAid.empty()) return i;
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::size_t> CardState::findPin(std::uint8_t ref) const {
  return resolve(profile.pins, ref, dfPath);
}

std::optional<std::size_t> CardState::findKey(std::uint8_t ref) const {
  return resolve(keys, ref, dfPath);
}

bool CardState::inScope(const Bytes& aid) const {
  if (aid.empty()) return true;
  for (const FileNode* df : dfPath) {
    if (df->aid == aid) return true;
  }
  return false;
}

}  // namespace detail

Card::Card(Profile profile) : state_(std::make_unique<State>()) {
  if (profile.mf.type != FileNode::Type::DF) {
    throw Error(Errc::ProfileInvalid, "profile '" + profile.name + "': mf must be a DF");
  }
  for (const auto& key : profile.keys) {
    base::EvpPkeyHandle pkey = detail::parsePrivateKeyPem(key.privateKeyPem);
    if (!pkey) {
      throw Error(Errc::ProfileInvalid, "profile '" + profile.name + "': key " +
                                            toHex(ByteView(&key.ref, 1)) +
                                            " is not an RSA or EC private key in PEM");
    }
    state_->keys.push_back(
        detail::LoadedKey{key.ref, key.use, key.authenticate, key.dfAid, std::move(pkey)});
  }
  // A multireference PIN uses the value and counters of the PIN it names: in
  // its own DF first, else a global one; never another multireference PIN.
  const auto& pins = profile.pins;
  for (std::size_t i = 0; i < pins.size(); ++i) {
    std::optional<std::size_t> owner = i;
    if (pins[i].sharesWith) {
      owner.reset();
      for (int pass = 0; pass < 2 && !owner; ++pass) {
        const Bytes& scope = pass == 0 ? pins[i].dfAid : Bytes{};
        for (std::size_t j = 0; j < pins.size(); ++j) {
          if (pins[j].ref == *pins[i].sharesWith && pins[j].dfAid == scope && !pins[j].sharesWith) {
            owner = j;
            break;
          }
        }
      }
      if (!owner) {
        throw Error(Errc::ProfileInvalid, "profile '" + profile.name + "': PIN " +
                                              toHex(ByteView(&pins[i].ref, 1)) +
                                              " shares an unknown PIN");
      }
    }
    state_->pinOwner.push_back(*owner);
  }
  state_->profile = std::move(profile);
  state_->resetSession();
}

Card::~Card() {
  for (auto& pin : state_->profile.pins) {
    OPENSSL_cleanse(pin.value.data(), pin.value.size());
    if (pin.puk) OPENSSL_cleanse(pin.puk->data(), pin.puk->size());
  }
}

const Bytes& Card::atr() const {
  return state_->profile.atr;
}
Protocol Card::protocol() const {
  return state_->profile.protocol;
}
const std::string& Card::name() const {
  return state_->profile.name;
}

void Card::reset() {
  std::lock_guard lock(mutex_);
  state_->resetSession();
}

Bytes Card::process(ByteView command) {
  try {
    std::function<void(std::size_t)> hook;
    std::size_t count = 0;
    Bytes response;
    {
      std::lock_guard lock(mutex_);
      try {
        response = detail::encodeResponse(detail::dispatch(*state_, command));
      } catch (...) {
        response = {0x6F, 0x00};  // no precise diagnosis, as a real card would say
      }
      count = ++state_->commandCount;
      hook = state_->hook;
    }
    // Outside the lock: the hook may pull the card or reset it.
    if (hook) {
      try {
        hook(count);
      } catch (...) {
      }
    }
    return response;
  } catch (...) {
    return Bytes{0x6F, 0x00};
  }
}

void Card::setCommandHook(std::function<void(std::size_t commandCount)> hook) {
  std::lock_guard lock(mutex_);
  state_->hook = std::move(hook);
}

int Card::pinTriesLeft(std::uint8_t pinRef) const {
  std::lock_guard lock(mutex_);
  const auto& pins = state_->profile.pins;
  for (std::size_t i = 0; i < pins.size(); ++i) {
    if (pins[i].ref == pinRef) return pins[state_->pinOwner[i]].triesLeft;
  }
  return -1;
}

std::size_t Card::commandCount() const {
  std::lock_guard lock(mutex_);
  return state_->commandCount;
}

}  // namespace hcbridge::sim
