// Profile JSON -> sim::Profile, with an error naming the JSON path of every
// malformed field. The format is described in docs/sim-profiles.md. Fields are
// read with base::JsonObjectReader (unknown keys, types, integer ranges,
// missing keys); the profile's own checks (hex, sizes, PINs, records) word
// their failures as its locator does: "<json path>: <what>".
#include "profile_json.hpp"

#include <openssl/crypto.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "card_state.hpp"
#include "hcbridge/base/json_object.hpp"
#include "hcbridge/error.hpp"

namespace hcbridge::sim {
namespace {

using base::JsonObjectReader;
using nlohmann::json;

constexpr std::size_t kMaxFileSize = 65535;
constexpr std::size_t kMaxRecords = 254;
constexpr std::size_t kMaxDepth = 8;
constexpr std::size_t kMaxPinLength = 64;
constexpr std::string_view kHint = "See docs/sim-profiles.md for the profile format.";

Error profileError(const std::string& path, const std::string& what) {
  return Error(Errc::ProfileInvalid, path + ": " + what, std::string(kHint));
}

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw profileError(path, what);
}

// "comment" and names starting with "_" are free text, never refused.
bool isFreeKey(std::string_view key) {
  return key == "comment" || key.starts_with('_');
}

// The reader's faults in the profile's wording. Profiles read strings and
// integers through the reader; arrays and hex are checked below.
Error locate(const base::JsonFault& fault) {
  using Kind = base::JsonFaultKind;
  switch (fault.kind) {
    case Kind::NotObject:
      if (fault.path.empty()) return profileError("(profile)", "expected a JSON object");
      return profileError(fault.path, "expected an object");
    case Kind::UnknownKey:
      return profileError(fault.path,
                          "unknown field (expected one of: " + fault.allowedText() + ")");
    case Kind::Missing:
      return profileError(fault.path, "missing");
    case Kind::WrongType:
      if (fault.expected == "a string") return profileError(fault.path, "expected a string");
      [[fallthrough]];  // an integer
    case Kind::OutOfRange:
      return profileError(fault.path, "expected an integer from " + std::to_string(fault.min) +
                                          " to " + std::to_string(fault.max));
    case Kind::TooDeep:
    case Kind::Syntax:
    case Kind::NumberOutOfRange:
      break;
  }
  const std::string what = fault.reason.empty() ? fault.message() : fault.reason;
  return profileError("(profile)", "not valid JSON: " + what);
}

// Unknown keys refused, free keys let through.
constexpr JsonObjectReader::Options kFields{.freeKey = isFreeKey};

// The fields of the object at `path` (an array element), with `allowed` keys.
JsonObjectReader fieldsAt(const json& value, const std::string& path,
                          std::vector<std::string> allowed) {
  return JsonObjectReader(value, std::move(allowed), locate, kFields, path);
}

std::string element(const std::string& path, std::size_t index) {
  return path + "[" + std::to_string(index) + "]";
}

// An array element that must be a string.
const std::string& stringAt(const json& value, const std::string& path) {
  if (!value.is_string()) fail(path, "expected a string");
  return value.get_ref<const std::string&>();
}

// The array under `key`; null when absent.
const json* optionalArray(const JsonObjectReader& object, std::string_view key) {
  const json* value = object.find(key);
  if (value != nullptr && !value->is_array()) fail(object.pathOf(key), "expected an array");
  return value;
}

const json& requiredArray(const JsonObjectReader& object, std::string_view key) {
  const json* value = optionalArray(object, key);
  if (value == nullptr) {
    base::JsonFault fault;
    fault.kind = base::JsonFaultKind::Missing;
    fault.path = object.pathOf(key);
    fault.key = std::string(key);
    object.fail(std::move(fault));
  }
  return *value;
}

Bytes hexValue(const std::string& text, const std::string& path, const std::string& expectation) {
  try {
    return fromHex(text);
  } catch (const Error&) {
    fail(path, "expected " + expectation);
  }
}

Bytes hexBytes(const std::string& text, const std::string& path, std::size_t minSize,
               std::size_t maxSize) {
  const std::string expectation =
      "hex bytes (" + std::to_string(minSize) + " to " + std::to_string(maxSize) + " bytes)";
  Bytes bytes = hexValue(text, path, expectation);
  if (bytes.size() < minSize || bytes.size() > maxSize) {
    fail(path, "expected " + expectation + ", got " + std::to_string(bytes.size()) + " bytes");
  }
  return bytes;
}

// The hex string under `key`, from minSize to maxSize bytes.
Bytes hexField(const JsonObjectReader& object, std::string_view key, std::size_t minSize,
               std::size_t maxSize) {
  return hexBytes(object.requiredString(key), object.pathOf(key), minSize, maxSize);
}

std::uint16_t fidValue(const std::string& text, const std::string& path) {
  const Bytes bytes = hexValue(text, path, "4 hex digits");
  if (bytes.size() != 2) fail(path, "expected 4 hex digits");
  return static_cast<std::uint16_t>((bytes[0] << 8) | bytes[1]);
}

std::optional<std::uint16_t> optionalFid(const JsonObjectReader& object) {
  if (!object.has("fid")) return std::nullopt;
  return fidValue(object.requiredString("fid"), object.pathOf("fid"));
}

std::uint8_t byteField(const JsonObjectReader& object, std::string_view key) {
  const std::string path = object.pathOf(key);
  const Bytes bytes = hexValue(object.requiredString(key), path, "2 hex digits");
  if (bytes.size() != 1) fail(path, "expected 2 hex digits");
  return bytes[0];
}

AccessRule accessRule(const std::string& text, const std::string& path) {
  if (text == "always") return AccessRule::always();
  if (text == "never") return AccessRule::never();
  if (text.rfind("pin:", 0) == 0) {
    try {
      const Bytes ref = fromHex(std::string_view(text).substr(4));
      if (ref.size() == 1) return AccessRule::pin(ref[0]);
    } catch (const Error&) {
    }
  }
  fail(path, "expected \"always\", \"never\" or \"pin:XX\" (XX = PIN reference in hex)");
}

class Parser {
 public:
  explicit Parser(std::filesystem::path baseDir) : baseDir_(std::move(baseDir)) {}

  Profile parse(const json& document) {
    const JsonObjectReader fields(
        document, {"name", "description", "atr", "protocol", "mf", "pins", "keys", "dataObjects"},
        locate, kFields);
    Profile profile;
    profile.name = fields.requiredString("name");
    if (profile.name.empty()) fail(fields.pathOf("name"), "must not be empty");
    profile.description = fields.requiredString("description");
    if (!mentionsTest(profile.description)) {
      fail(fields.pathOf("description"),
           "must say which data is invented TEST data (no \"test\" in it)");
    }
    profile.atr = hexField(fields, "atr", 2, 33);
    if (profile.atr[0] != 0x3B && profile.atr[0] != 0x3F) {
      fail(fields.pathOf("atr"), "must start with 3B (direct) or 3F (inverse convention)");
    }
    profile.protocol = protocol(fields);
    if (const json* pins = optionalArray(fields, "pins")) {
      profile.pins = parsePins(*pins, fields.pathOf("pins"));
    }
    profile.mf = parseMf(fields.requiredObject("mf", {"type", "fid", "aid", "children"}));
    if (const json* keys = optionalArray(fields, "keys")) {
      profile.keys = parseKeys(*keys, fields.pathOf("keys"));
    }
    profile.dataObjects = parseDataObjects(fields);
    return profile;
  }

 private:
  static bool mentionsTest(const std::string& text) {
    std::string lower(text);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return lower.find("test") != std::string::npos;
  }

  static Protocol protocol(const JsonObjectReader& fields) {
    const auto text = fields.optionalString("protocol");
    if (!text) return Protocol::T1;
    if (*text == "T=0") return Protocol::T0;
    if (*text == "T=1") return Protocol::T1;
    fail(fields.pathOf("protocol"), "expected \"T=0\" or \"T=1\"");
  }

  // The access rule under `key`, which must be there.
  AccessRule definedRule(const JsonObjectReader& object, std::string_view key) {
    const std::string path = object.pathOf(key);
    AccessRule parsed = accessRule(object.requiredString(key), path);
    if (parsed.kind == AccessRule::Kind::Pin && pinRefs_.count(parsed.pinRef) == 0) {
      fail(path, "PIN " + toHex(ByteView(&parsed.pinRef, 1)) + " is not defined in pins");
    }
    return parsed;
  }

  // The access rule under `key`; absent: the default.
  AccessRule rule(const JsonObjectReader& object, std::string_view key) {
    if (!object.has(key)) return {};
    return definedRule(object, key);
  }

  Bytes aid(const JsonObjectReader& object) {
    if (!object.has("aid")) return {};
    Bytes parsed = hexField(object, "aid", 1, 16);
    if (!aids_.insert(parsed).second) fail(object.pathOf("aid"), "AID used twice in the profile");
    return parsed;
  }

  FileNode parseMf(const JsonObjectReader& fields) {
    if (const auto type = fields.optionalString("type"); type && *type != "DF") {
      fail(fields.pathOf("type"), "the MF is a \"DF\"");
    }
    FileNode mf;
    mf.type = FileNode::Type::DF;
    mf.fid = 0x3F00;
    if (const auto fid = optionalFid(fields); fid && *fid != 0x3F00) {
      fail(fields.pathOf("fid"), "the MF's FID is 3F00");
    }
    mf.aid = aid(fields);
    if (const json* children = optionalArray(fields, "children")) {
      mf.children = parseChildren(*children, fields.pathOf("children"), 1);
    }
    return mf;
  }

  std::vector<FileNode> parseChildren(const json& value, const std::string& path,
                                      std::size_t depth) {
    if (depth > kMaxDepth) fail(path, "DFs nested deeper than " + std::to_string(kMaxDepth));
    std::vector<FileNode> children;
    std::set<std::uint16_t> fids;
    std::set<std::uint8_t> sfis;
    for (std::size_t i = 0; i < value.size(); ++i) {
      // The keys a file may have depend on its type: parseFile refuses the others.
      const JsonObjectReader file(value[i], {}, locate, {.refuseUnknown = false}, element(path, i));
      FileNode child = parseFile(value[i], file, depth);
      if (child.fid && (*child.fid == 0x3F00 || !fids.insert(*child.fid).second)) {
        fail(file.pathOf("fid"), *child.fid == 0x3F00 ? "3F00 is reserved for the MF"
                                                      : "FID used twice in the same DF");
      }
      if (child.sfi && !sfis.insert(*child.sfi).second) {
        fail(file.pathOf("sfi"), "SFI used twice in the same DF");
      }
      children.push_back(std::move(child));
    }
    return children;
  }

  // The keys a file of `type` may have.
  static std::vector<std::string> fileKeys(const JsonObjectReader& file, const std::string& type) {
    if (type == "DF") return {"type", "fid", "aid", "children"};
    if (type == "EF") return {"type", "fid", "sfi", "data", "text", "read", "update"};
    if (type == "records") return {"type", "fid", "sfi", "records", "read", "update"};
    fail(file.pathOf("type"), "expected \"DF\", \"EF\" or \"records\"");
  }

  // `file` reads `value` without refusing keys; the keys are checked here once
  // the type is known.
  FileNode parseFile(const json& value, const JsonObjectReader& file, std::size_t depth) {
    const std::string& type = file.requiredString("type");
    FileNode node;
    node.fid = optionalFid(file);
    const std::vector<std::string> keys = fileKeys(file, type);
    const JsonObjectReader fields = fieldsAt(value, file.path(), keys);
    const std::string& path = fields.path();
    if (type == "DF") {
      node.type = FileNode::Type::DF;
      node.aid = aid(fields);
      if (!node.fid && node.aid.empty()) fail(path, "a DF needs a fid or an aid");
      if (const json* children = optionalArray(fields, "children")) {
        node.children = parseChildren(*children, fields.pathOf("children"), depth + 1);
      }
      return node;
    }
    if (type == "EF") {
      node.type = FileNode::Type::TransparentEF;
      const bool hasData = fields.has("data");
      const bool hasText = fields.has("text");
      if (hasData && hasText) fail(path, "give either data or text, not both");
      if (hasData) node.data = hexField(fields, "data", 0, kMaxFileSize);
      if (hasText) {
        const std::string& content = fields.requiredString("text");
        if (content.size() > kMaxFileSize) fail(fields.pathOf("text"), "longer than 65535 bytes");
        node.data.assign(content.begin(), content.end());
      }
    } else {
      node.type = FileNode::Type::RecordEF;
      const std::string recordsPath = fields.pathOf("records");
      const json& records = requiredArray(fields, "records");
      if (records.size() > kMaxRecords) fail(recordsPath, "more than 254 records");
      for (std::size_t i = 0; i < records.size(); ++i) {
        const std::string recordPath = element(recordsPath, i);
        node.records.push_back(
            hexBytes(stringAt(records[i], recordPath), recordPath, 1, kMaxFileSize));
      }
    }
    if (fields.has("sfi")) {
      node.sfi = byteField(fields, "sfi");
      if (*node.sfi < 1 || *node.sfi > 30) fail(fields.pathOf("sfi"), "expected 01 to 1E");
    }
    if (!node.fid && !node.sfi) fail(path, "an EF needs a fid or an sfi");
    node.read = rule(fields, "read");
    node.update = rule(fields, "update");
    return node;
  }

  // A PIN or PUK: "value" (text, encoded per format) or "valueHex" (raw bytes).
  static Bytes secret(const JsonObjectReader& pin, std::string_view textKey,
                      std::string_view hexKey, bool format2, bool required) {
    const bool hasText = pin.has(textKey);
    const bool hasHex = pin.has(hexKey);
    if (hasText && hasHex) {
      fail(pin.path(),
           "give either " + std::string(textKey) + " or " + std::string(hexKey) + ", not both");
    }
    if (hasHex) return hexField(pin, hexKey, 1, kMaxPinLength);
    if (!hasText) {
      if (required) fail(pin.pathOf(textKey), "missing (or give " + std::string(hexKey) + ")");
      return {};
    }
    const std::string fieldPath = pin.pathOf(textKey);
    // A reference into the document, which is wiped afterwards: no copy.
    const std::string& value = pin.requiredString(textKey);
    if (!format2) {
      if (value.empty() || value.size() > kMaxPinLength)
        fail(fieldPath, "expected 1 to 64 characters");
      return Bytes(value.begin(), value.end());
    }
    // ISO 9564 format 2 PIN block: 2N, the digits as nibbles, F padding, 8 bytes.
    const bool digits =
        std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (!digits || value.size() < 4 || value.size() > 12) {
      fail(fieldPath, "format2 needs 4 to 12 decimal digits");
    }
    Bytes block(8, 0xFF);
    block[0] = static_cast<std::uint8_t>(0x20 | value.size());
    for (std::size_t i = 0; i < value.size(); ++i) {
      const auto digit = static_cast<std::uint8_t>(value[i] - '0');
      std::uint8_t& target = block[1 + i / 2];
      target = (i % 2 == 0) ? static_cast<std::uint8_t>((digit << 4) | 0x0F)
                            : static_cast<std::uint8_t>((target & 0xF0) | digit);
    }
    return block;
  }

  std::vector<PinSpec> parsePins(const json& value, const std::string& path) {
    std::vector<PinSpec> pins;
    for (std::size_t i = 0; i < value.size(); ++i) {
      const JsonObjectReader entry =
          fieldsAt(value[i], element(path, i),
                   {"ref", "value", "valueHex", "format", "maxTries", "triesLeft", "puk", "pukHex",
                    "pukMaxTries", "pukTriesLeft"});
      PinSpec pin;
      pin.ref = byteField(entry, "ref");
      if (!pinRefs_.insert(pin.ref).second) {
        fail(entry.pathOf("ref"), "PIN reference used twice");
      }
      bool format2 = false;
      if (const auto format = entry.optionalString("format")) {
        if (*format != "ascii" && *format != "format2") {
          fail(entry.pathOf("format"), "expected \"ascii\" or \"format2\"");
        }
        format2 = *format == "format2";
      }
      pin.value = secret(entry, "value", "valueHex", format2, true);
      pin.maxTries =
          static_cast<int>(entry.optionalInteger("maxTries", 1, 15).value_or(pin.maxTries));
      pin.triesLeft = static_cast<int>(
          entry.optionalInteger("triesLeft", 0, pin.maxTries).value_or(pin.maxTries));
      Bytes puk = secret(entry, "puk", "pukHex", format2, false);
      if (!puk.empty()) pin.puk = std::move(puk);
      pin.pukMaxTries =
          static_cast<int>(entry.optionalInteger("pukMaxTries", 1, 15).value_or(pin.pukMaxTries));
      pin.pukTriesLeft = static_cast<int>(
          entry.optionalInteger("pukTriesLeft", 0, pin.pukMaxTries).value_or(pin.pukMaxTries));
      pins.push_back(std::move(pin));
    }
    return pins;
  }

  std::string readPemFile(const std::string& name, const std::string& path) const {
    const std::filesystem::path given(name);
    const std::filesystem::path file =
        given.is_absolute() || baseDir_.empty() ? given : baseDir_ / given;
    std::ifstream in(file, std::ios::binary);
    if (!in) fail(path, "cannot read '" + file.string() + "'");
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
  }

  std::vector<KeySpec> parseKeys(const json& value, const std::string& path) {
    std::vector<KeySpec> keys;
    std::set<std::uint8_t> refs;
    for (std::size_t i = 0; i < value.size(); ++i) {
      const JsonObjectReader entry =
          fieldsAt(value[i], element(path, i), {"ref", "pem", "pemFile", "use", "authenticate"});
      KeySpec key;
      key.ref = byteField(entry, "ref");
      if (!refs.insert(key.ref).second) fail(entry.pathOf("ref"), "key reference used twice");
      const json* pem = entry.find("pem");
      const bool hasPemFile = entry.has("pemFile");
      if ((pem != nullptr) == hasPemFile) fail(entry.path(), "give exactly one of pem or pemFile");
      std::string keyPath;
      if (pem != nullptr) {
        keyPath = entry.pathOf("pem");
        if (pem->is_array()) {  // one string per line, for readability
          for (std::size_t line = 0; line < pem->size(); ++line) {
            key.privateKeyPem += stringAt((*pem)[line], element(keyPath, line)) + "\n";
          }
        } else {
          key.privateKeyPem = entry.requiredString("pem");
        }
      } else {
        keyPath = entry.pathOf("pemFile");
        key.privateKeyPem = readPemFile(entry.requiredString("pemFile"), keyPath);
      }
      if (!detail::parsePrivateKeyPem(key.privateKeyPem)) {
        fail(keyPath, "not an unencrypted RSA or EC private key in PEM format");
      }
      key.use = definedRule(entry, "use");
      // A card-authentication key answers INTERNAL AUTHENTICATE under its own
      // rule (often without PIN) while PSO signatures keep `use`.
      if (entry.has("authenticate")) key.authenticate = definedRule(entry, "authenticate");
      keys.push_back(std::move(key));
    }
    return keys;
  }

  // "dataObjects": named by tag, so every key but the free ones is read here.
  static std::map<std::uint16_t, Bytes> parseDataObjects(const JsonObjectReader& profile) {
    std::map<std::uint16_t, Bytes> objects;
    const json* value = profile.find("dataObjects");
    if (value == nullptr) return objects;
    const JsonObjectReader fields(*value, {}, locate, {.refuseUnknown = false},
                                  profile.pathOf("dataObjects"));
    for (const auto& item : value->items()) {
      if (isFreeKey(item.key())) continue;
      Bytes tag;
      try {
        tag = fromHex(item.key());
      } catch (const Error&) {
      }
      if (tag.size() != 2) {
        fail(fields.pathOf(item.key()), "expected 4 hex digits (P1 P2 of GET DATA) as the name");
      }
      objects[static_cast<std::uint16_t>((tag[0] << 8) | tag[1])] =
          hexField(fields, item.key(), 1, kMaxFileSize);
    }
    return objects;
  }

  std::filesystem::path baseDir_;
  std::set<std::uint8_t> pinRefs_;
  std::set<Bytes> aids_;
};

// Overwrites the PIN and PUK strings of the document in place.
void wipeSecrets(json& document) {
  if (!document.is_object()) return;
  const auto pins = document.find("pins");
  if (pins == document.end() || !pins->is_array()) return;
  for (auto& pin : *pins) {
    if (!pin.is_object()) continue;
    for (const char* key : {"value", "valueHex", "puk", "pukHex"}) {
      const auto field = pin.find(key);
      if (field != pin.end() && field->is_string()) {
        auto& text = field->get_ref<std::string&>();
        OPENSSL_cleanse(text.data(), text.size());
      }
    }
  }
}

}  // namespace

namespace detail {

Profile parseProfileDocument(json document, const std::filesystem::path& baseDir) {
  struct Wipe {
    json& document;
    ~Wipe() { wipeSecrets(document); }
  } wipe{document};
  return Parser(baseDir).parse(document);
}

}  // namespace detail

Profile parseProfile(std::string_view text, const std::filesystem::path& baseDir) {
  return detail::parseProfileDocument(base::parseStrictJson(text, {}, locate), baseDir);
}

}  // namespace hcbridge::sim
