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
  hasPending = false;
  pendingData.clear();
  dfPath.assign(1, &profile.mf);
  currentEf = nullptr;
}

PinSpec* CardState::findPin(std::uint8_t ref) {
  for (auto& pin : profile.pins) {
    if (pin.ref == ref) return &pin;
  }
  return nullptr;
}

const LoadedKey* CardState::findKey(std::uint8_t ref) const {
  for (const auto& key : keys) {
    if (key.ref == ref) return &key;
  }
  return nullptr;
}

}  // namespace detail

Card::Card(Profile profile) : state_(std::make_unique<State>()) {
  if (profile.mf.type != FileNode::Type::DF) {
    throw Error(Errc::ProfileInvalid, "profile '" + profile.name + "': mf must be a DF");
  }
  for (const auto& key : profile.keys) {
    detail::PkeyPtr pkey = detail::parsePrivateKeyPem(key.privateKeyPem);
    if (!pkey) {
      throw Error(Errc::ProfileInvalid, "profile '" + profile.name + "': key " +
                                            toHex(ByteView(&key.ref, 1)) +
                                            " is not an RSA or EC private key in PEM");
    }
    state_->keys.push_back(detail::LoadedKey{key.ref, key.use, std::move(pkey)});
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
  for (const auto& pin : state_->profile.pins) {
    if (pin.ref == pinRef) return pin.triesLeft;
  }
  return -1;
}

std::size_t Card::commandCount() const {
  std::lock_guard lock(mutex_);
  return state_->commandCount;
}

}  // namespace hcbridge::sim
