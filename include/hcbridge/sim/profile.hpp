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

// Who may do an operation on a file or key.
struct AccessRule {
  enum class Kind { Always, Never, Pin } kind = Kind::Always;
  std::uint8_t pinRef = 0;  // for Kind::Pin: the PIN that must be verified
};

struct FileNode {
  enum class Type { DF, TransparentEF, RecordEF } type = Type::TransparentEF;
  std::optional<std::uint16_t> fid;
  Bytes aid;                          // DF name (for DFs selectable by AID)
  std::optional<std::uint8_t> sfi;    // EFs only
  Bytes data;                         // TransparentEF content
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
};

struct KeySpec {
  std::uint8_t ref = 0;               // key reference used in MSE SET (tag 84)
  std::string privateKeyPem;          // RSA or EC private key, PEM text
  AccessRule use;                     // who may sign with it
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

}  // namespace hcbridge::sim
