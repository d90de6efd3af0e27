// Picking the driver for a card: ATR tables first, then probes.
#include <string>

#include "hcbridge/bytes.hpp"
#include "hcbridge/card_driver.hpp"
#include "hcbridge/error.hpp"

namespace hcbridge {

void DriverRegistry::add(std::unique_ptr<CardDriver> driver) {
  drivers_.push_back(std::move(driver));
}

std::string DriverRegistry::cardNames(CardKind kind) const {
  std::vector<std::string_view> names;
  for (const auto& driver : drivers_) {
    if (driver->kind() == kind) names.push_back(driver->shortName());
  }
  std::string text;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) text += i + 1 == names.size() ? " or " : ", ";
    text += names[i];
  }
  return text;
}

const CardDriver& DriverRegistry::identify(CardConnection& card) const {
  std::vector<const CardDriver*> maybe;
  for (const auto& driver : drivers_) {
    switch (driver->matchAtr(card.atr())) {
      case AtrMatch::Yes: return *driver;
      case AtrMatch::Maybe: maybe.push_back(driver.get()); break;
      case AtrMatch::No: break;
    }
  }
  for (const CardDriver* driver : maybe) {
    if (driver->probe(card)) return *driver;
  }
  throw Error(Errc::CardUnsupported,
              "This card is not supported (ATR " + toHex(card.atr(), " ") + ")",
              "hcbridge reads Carte Vitale 2, CPS3/CPS4, eGK G2/G2.1 and HBA G2/G2.1 cards. To "
              "have this card supported, send the output of 'hcbridge readers --json' and the "
              "card's name and issuer to your hcbridge support contact (it holds no personal "
              "data).");
}

}  // namespace hcbridge
