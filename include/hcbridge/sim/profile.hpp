// A simulated card's content: data, not code. Loaded from JSON (see
// docs/sim-profiles.md) or from the profiles built into the binary.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hcbridge/bytes.hpp"
#include "hcbridge/transport.hpp"

namespace hcbridge::sim {

// Who may do an operation on a file or key: a small expression tree.
struct AccessRule {
  enum class Kind { Always, Never, Pin, And, Or } kind = Kind::Always;
  std::uint8_t pinRef = 0;            // for Kind::Pin: the PIN that must be verified
  std::vector<AccessRule> operands;   // for Kind::And / Kind::Or

  static AccessRule always() { return {Kind::Always, 0, {}}; }
  static AccessRule never() { return {Kind::Never, 0, {}}; }
  static AccessRule pin(std::uint8_t ref) { return {Kind::Pin, ref, {}}; }
};

struct FileNode {
  enum class Type { DF, TransparentEF, RecordEF } type = Type::TransparentEF;
  std::optional<std::uint16_t> fid;
  Bytes aid;                          // DF name (for DFs selectable by AID)
  std::optional<std::uint8_t> sfi;    // EFs only
  Bytes data;                         // TransparentEF content (READ BINARY serves all of it)
  // TransparentEF: the file's allocated size (FCP tag 80) when larger than
  // `data`; the FCP then also gives data.size() as the logical end (tag C5).
  std::optional<std::size_t> capacity;
  std::vector<Bytes> records;         // RecordEF content, record 1 first
  AccessRule read;
  AccessRule update;
  std::vector<FileNode> children;     // DFs only
};

struct PinSpec {
  std::uint8_t ref = 0;               // P2 of VERIFY, e.g. 0x01 or 0x81
  Bytes value;                        // as the card compares it (already encoded)
  int maxTries = 3;
  int triesLeft = 3;
  std::optional<Bytes> puk;           // for RESET RETRY COUNTER
  int pukMaxTries = 10;
  int pukTriesLeft = 10;

  // Empty: a global PIN, found from every DF. Otherwise the AID of the DF the
  // PIN belongs to: it is found only while that DF or one below it is current
  // (DF-specific references have bit 80 set, e.g. PIN.QES 81 in DF.QES).
  Bytes dfAid;
  // A multireference PIN: it has its own verification status but uses the
  // value, counters and PUK of the PIN with this reference (same DF first,
  // else global). `value` and the counters of this entry are ignored.
  std::optional<std::uint8_t> sharesWith;
  // The life-cycle state GET PIN STATUS reports (62C1 / 62C7); VERIFY of a
  // PIN that is not Regular answers 6985.
  enum class State { Regular, TransportPin, EmptyPin } state = State::Regular;
  // ISO 9564 format 2 PIN blocks: VERIFY data that is no well-formed block of
  // minLength..maxLength digits answers 6A80 and costs no try.
  bool format2Checked = false;
  int minLength = 4;
  int maxLength = 12;
};

struct KeySpec {
  std::uint8_t ref = 0;               // key reference used in MSE SET (tag 84)
  std::string privateKeyPem;          // RSA or EC private key, PEM text
  AccessRule use;                     // who may sign with it
  // INTERNAL AUTHENTICATE; nullopt = the `use` rule.
  std::optional<AccessRule> authenticate;
  // Empty: a global key. Otherwise the AID of the DF the key belongs to (as
  // for PinSpec::dfAid); its reference then has bit 80 set.
  Bytes dfAid;
};

struct Profile {
  std::string name;
  std::string description;            // says which parts are invented test data
  Bytes atr;
  Protocol protocol = Protocol::T1;   // T0: every answer with data comes as 61xx + GET RESPONSE
  FileNode mf;                        // the root DF (FID 3F00)
  std::vector<PinSpec> pins;
  std::vector<KeySpec> keys;
  std::map<std::uint16_t, Bytes> dataObjects;  // GET DATA P1P2 -> value
};

// Parses profile JSON. Relative key file paths resolve against baseDir.
// Throws Error(ProfileInvalid) naming the offending field.
Profile parseProfile(std::string_view json, const std::filesystem::path& baseDir = {});
// A built-in profile name ("generic", ...) or a path to a profile file.
// Throws Error(ProfileInvalid) with the list of built-in names when neither.
Profile loadProfile(const std::string& nameOrPath);
std::vector<std::string> builtinProfileNames();
// Adds a profile to the built-in ones (card drivers add theirs at start-up,
// see drivers::registerSimProfiles()). `json` and `base` must stay valid for
// the program's life (embedded data); `json` is a whole profile, or a JSON
// merge patch over the built-in profile named `base`. Not thread-safe: call
// before using the simulator.
void addBuiltinProfile(std::string_view name, std::string_view json, std::string_view base = {});

}  // namespace hcbridge::sim
