// Turns the user's --reader argument (a name or an index) into a reader name.
#pragma once

#include <string>

#include "hcbridge/transport.hpp"

namespace hcbridge::cli {

// Accepts an index from `hcbridge readers`, an exact name, or a text that is
// part of exactly one reader name. Empty: the only reader with a card.
// Throws Error(ReaderNotFound | NoReaders | CardAbsent) listing the readers.
std::string selectReader(Transport& transport, const std::string& wanted);

}  // namespace hcbridge::cli
