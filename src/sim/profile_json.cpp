// Profile JSON -> sim::Profile, with an error naming the JSON path of every
// malformed field. The format is described in docs/sim-profiles.md.
#include "profile_json.hpp"

#include <openssl/crypto.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <set>
#include <sstream>

#include "card_state.hpp"
#include "hcbridge/base/json_object.hpp"
#include "hcbridge/error.hpp"

namespace hcbridge::sim {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxFileSize = 65535;
constexpr std::size_t kMaxRecords = 254;
constexpr std::size_t kMaxDepth = 8;
constexpr std::size_t kMaxPinLength = 64;
constexpr std::string_view kHint = "See docs/sim-profiles.md for the profile format.";

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw Error(Errc::ProfileInvalid, path + ": " + what, std::string(kHint));
}

std::string member(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

std::string element(const std::string& path, std::size_t index) {
  return path + "[" + std::to_string(index) + "]";
}

// Rejects misspelt fields. "comment" and names starting with "_" are free text.
void allowOnly(const json& object, const std::string& path,
               std::initializer_list<std::string_view> allowed) {
  for (auto it = object.begin(); it != object.end(); ++it) {
    const std::string& key = it.key();
    if (key == "comment" || (!key.empty() && key[0] == '_')) continue;
    if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
    std::string list;
    for (const auto name : allowed) list += (list.empty() ? "" : ", ") + std::string(name);
    fail(member(path, key), "unknown field (expected one of: " + list + ")");
  }
}

const json* optionalField(const json& object, std::string_view key) {
  const auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

const json& requiredField(const json& object, const std::string& path, std::string_view key) {
  const json* value = optionalField(object, key);
  if (value == nullptr) fail(member(path, key), "missing");
  return *value;
}

const std::string& stringValue(const json& value, const std::string& path) {
  if (!value.is_string()) fail(path, "expected a string");
  return value.get_ref<const std::string&>();
}

Bytes hexValue(const json& value, const std::string& path, const std::string& expectation) {
  const std::string& text = stringValue(value, path);
  try {
    return fromHex(text);
  } catch (const Error&) {
    fail(path, "expected " + expectation);
  }
}

Bytes hexBytes(const json& value, const std::string& path, std::size_t minSize,
               std::size_t maxSize) {
  const std::string expectation =
      "hex bytes (" + std::to_string(minSize) + " to " + std::to_string(maxSize) + " bytes)";
  Bytes bytes = hexValue(value, path, expectation);
  if (bytes.size() < minSize || bytes.size() > maxSize) {
    fail(path, "expected " + expectation + ", got " + std::to_string(bytes.size()) + " bytes");
  }
  return bytes;
}

std::uint16_t fidValue(const json& value, const std::string& path) {
  const Bytes bytes = hexValue(value, path, "4 hex digits");
  if (bytes.size() != 2) fail(path, "expected 4 hex digits");
  return static_cast<std::uint16_t>((bytes[0] << 8) | bytes[1]);
}

std::uint8_t byteValue(const json& value, const std::string& path) {
  const Bytes bytes = hexValue(value, path, "2 hex digits");
  if (bytes.size() != 1) fail(path, "expected 2 hex digits");
  return bytes[0];
}

int intValue(const json& value, const std::string& path, int min, int max) {
  const std::string range = "an integer from " + std::to_string(min) + " to " + std::to_string(max);
  if (!value.is_number_integer()) fail(path, "expected " + range);
  const auto number = value.get<long long>();
  if (number < min || number > max) fail(path, "expected " + range);
  return static_cast<int>(number);
}

const json& arrayValue(const json& value, const std::string& path) {
  if (!value.is_array()) fail(path, "expected an array");
  return value;
}

const json& objectValue(const json& value, const std::string& path) {
  if (!value.is_object()) fail(path, "expected an object");
  return value;
}

AccessRule accessRule(const json& value, const std::string& path) {
  const std::string& text = stringValue(value, path);
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
    if (!document.is_object()) fail("(profile)", "expected a JSON object");
    allowOnly(document, "",
              {"name", "description", "atr", "protocol", "mf", "pins", "keys", "dataObjects"});
    Profile profile;
    profile.name = stringValue(requiredField(document, "", "name"), "name");
    if (profile.name.empty()) fail("name", "must not be empty");
    profile.description = stringValue(requiredField(document, "", "description"), "description");
    if (!mentionsTest(profile.description)) {
      fail("description", "must say which data is invented TEST data (no \"test\" in it)");
    }
    profile.atr = hexBytes(requiredField(document, "", "atr"), "atr", 2, 33);
    if (profile.atr[0] != 0x3B && profile.atr[0] != 0x3F) {
      fail("atr", "must start with 3B (direct) or 3F (inverse convention)");
    }
    profile.protocol = protocol(document);
    if (const json* pins = optionalField(document, "pins")) profile.pins = parsePins(*pins);
    profile.mf = parseMf(requiredField(document, "", "mf"));
    if (const json* keys = optionalField(document, "keys")) profile.keys = parseKeys(*keys);
    if (const json* objects = optionalField(document, "dataObjects")) {
      profile.dataObjects = parseDataObjects(*objects);
    }
    return profile;
  }

 private:
  static bool mentionsTest(const std::string& text) {
    std::string lower(text);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return lower.find("test") != std::string::npos;
  }

  static Protocol protocol(const json& document) {
    const json* value = optionalField(document, "protocol");
    if (value == nullptr) return Protocol::T1;
    const std::string& text = stringValue(*value, "protocol");
    if (text == "T=0") return Protocol::T0;
    if (text == "T=1") return Protocol::T1;
    fail("protocol", "expected \"T=0\" or \"T=1\"");
  }

  AccessRule rule(const json& object, const std::string& path, std::string_view key) {
    const json* value = optionalField(object, key);
    if (value == nullptr) return {};
    AccessRule parsed = accessRule(*value, member(path, key));
    if (parsed.kind == AccessRule::Kind::Pin && pinRefs_.count(parsed.pinRef) == 0) {
      fail(member(path, key),
           "PIN " + toHex(ByteView(&parsed.pinRef, 1)) + " is not defined in pins");
    }
    return parsed;
  }

  Bytes aid(const json& object, const std::string& path) {
    const json* value = optionalField(object, "aid");
    if (value == nullptr) return {};
    Bytes parsed = hexBytes(*value, member(path, "aid"), 1, 16);
    if (!aids_.insert(parsed).second) fail(member(path, "aid"), "AID used twice in the profile");
    return parsed;
  }

  FileNode parseMf(const json& value) {
    objectValue(value, "mf");
    allowOnly(value, "mf", {"type", "fid", "aid", "children"});
    if (const json* type = optionalField(value, "type")) {
      if (stringValue(*type, "mf.type") != "DF") fail("mf.type", "the MF is a \"DF\"");
    }
    FileNode mf;
    mf.type = FileNode::Type::DF;
    mf.fid = 0x3F00;
    if (const json* fid = optionalField(value, "fid")) {
      if (fidValue(*fid, "mf.fid") != 0x3F00) fail("mf.fid", "the MF's FID is 3F00");
    }
    mf.aid = aid(value, "mf");
    if (const json* children = optionalField(value, "children")) {
      mf.children = parseChildren(*children, "mf.children", 1);
    }
    return mf;
  }

  std::vector<FileNode> parseChildren(const json& value, const std::string& path,
                                      std::size_t depth) {
    arrayValue(value, path);
    if (depth > kMaxDepth) fail(path, "DFs nested deeper than " + std::to_string(kMaxDepth));
    std::vector<FileNode> children;
    std::set<std::uint16_t> fids;
    std::set<std::uint8_t> sfis;
    for (std::size_t i = 0; i < value.size(); ++i) {
      const std::string childPath = element(path, i);
      FileNode child = parseFile(value[i], childPath, depth);
      if (child.fid && (*child.fid == 0x3F00 || !fids.insert(*child.fid).second)) {
        fail(member(childPath, "fid"), *child.fid == 0x3F00 ? "3F00 is reserved for the MF"
                                                            : "FID used twice in the same DF");
      }
      if (child.sfi && !sfis.insert(*child.sfi).second) {
        fail(member(childPath, "sfi"), "SFI used twice in the same DF");
      }
      children.push_back(std::move(child));
    }
    return children;
  }

  FileNode parseFile(const json& value, const std::string& path, std::size_t depth) {
    objectValue(value, path);
    const std::string& type = stringValue(requiredField(value, path, "type"), member(path, "type"));
    FileNode node;
    if (const json* fid = optionalField(value, "fid"))
      node.fid = fidValue(*fid, member(path, "fid"));
    if (type == "DF") {
      allowOnly(value, path, {"type", "fid", "aid", "children"});
      node.type = FileNode::Type::DF;
      node.aid = aid(value, path);
      if (!node.fid && node.aid.empty()) fail(path, "a DF needs a fid or an aid");
      if (const json* children = optionalField(value, "children")) {
        node.children = parseChildren(*children, member(path, "children"), depth + 1);
      }
      return node;
    }
    if (type == "EF") {
      allowOnly(value, path, {"type", "fid", "sfi", "data", "text", "read", "update"});
      node.type = FileNode::Type::TransparentEF;
      const json* data = optionalField(value, "data");
      const json* text = optionalField(value, "text");
      if (data != nullptr && text != nullptr) fail(path, "give either data or text, not both");
      if (data != nullptr) node.data = hexBytes(*data, member(path, "data"), 0, kMaxFileSize);
      if (text != nullptr) {
        const std::string& content = stringValue(*text, member(path, "text"));
        if (content.size() > kMaxFileSize) fail(member(path, "text"), "longer than 65535 bytes");
        node.data.assign(content.begin(), content.end());
      }
    } else if (type == "records") {
      allowOnly(value, path, {"type", "fid", "sfi", "records", "read", "update"});
      node.type = FileNode::Type::RecordEF;
      const std::string recordsPath = member(path, "records");
      const json& records = arrayValue(requiredField(value, path, "records"), recordsPath);
      if (records.size() > kMaxRecords) fail(recordsPath, "more than 254 records");
      for (std::size_t i = 0; i < records.size(); ++i) {
        node.records.push_back(hexBytes(records[i], element(recordsPath, i), 1, kMaxFileSize));
      }
    } else {
      fail(member(path, "type"), "expected \"DF\", \"EF\" or \"records\"");
    }
    if (const json* sfi = optionalField(value, "sfi")) {
      node.sfi = byteValue(*sfi, member(path, "sfi"));
      if (*node.sfi < 1 || *node.sfi > 30) fail(member(path, "sfi"), "expected 01 to 1E");
    }
    if (!node.fid && !node.sfi) fail(path, "an EF needs a fid or an sfi");
    node.read = rule(value, path, "read");
    node.update = rule(value, path, "update");
    return node;
  }

  // A PIN or PUK: "value" (text, encoded per format) or "valueHex" (raw bytes).
  static Bytes secret(const json& object, const std::string& path, std::string_view textKey,
                      std::string_view hexKey, bool format2, bool required) {
    const json* text = optionalField(object, textKey);
    const json* hex = optionalField(object, hexKey);
    if (text != nullptr && hex != nullptr) {
      fail(path,
           "give either " + std::string(textKey) + " or " + std::string(hexKey) + ", not both");
    }
    if (hex != nullptr) return hexBytes(*hex, member(path, hexKey), 1, kMaxPinLength);
    if (text == nullptr) {
      if (required) fail(member(path, textKey), "missing (or give " + std::string(hexKey) + ")");
      return {};
    }
    const std::string fieldPath = member(path, textKey);
    const std::string& value = stringValue(*text, fieldPath);
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

  std::vector<PinSpec> parsePins(const json& value) {
    arrayValue(value, "pins");
    std::vector<PinSpec> pins;
    for (std::size_t i = 0; i < value.size(); ++i) {
      const std::string path = element("pins", i);
      const json& entry = objectValue(value[i], path);
      allowOnly(entry, path,
                {"ref", "value", "valueHex", "format", "maxTries", "triesLeft", "puk", "pukHex",
                 "pukMaxTries", "pukTriesLeft"});
      PinSpec pin;
      pin.ref = byteValue(requiredField(entry, path, "ref"), member(path, "ref"));
      if (!pinRefs_.insert(pin.ref).second) fail(member(path, "ref"), "PIN reference used twice");
      bool format2 = false;
      if (const json* format = optionalField(entry, "format")) {
        const std::string& name = stringValue(*format, member(path, "format"));
        if (name != "ascii" && name != "format2") {
          fail(member(path, "format"), "expected \"ascii\" or \"format2\"");
        }
        format2 = name == "format2";
      }
      pin.value = secret(entry, path, "value", "valueHex", format2, true);
      if (const json* tries = optionalField(entry, "maxTries")) {
        pin.maxTries = intValue(*tries, member(path, "maxTries"), 1, 15);
      }
      pin.triesLeft = pin.maxTries;
      if (const json* tries = optionalField(entry, "triesLeft")) {
        pin.triesLeft = intValue(*tries, member(path, "triesLeft"), 0, pin.maxTries);
      }
      Bytes puk = secret(entry, path, "puk", "pukHex", format2, false);
      if (!puk.empty()) pin.puk = std::move(puk);
      if (const json* tries = optionalField(entry, "pukMaxTries")) {
        pin.pukMaxTries = intValue(*tries, member(path, "pukMaxTries"), 1, 15);
      }
      pin.pukTriesLeft = pin.pukMaxTries;
      if (const json* tries = optionalField(entry, "pukTriesLeft")) {
        pin.pukTriesLeft = intValue(*tries, member(path, "pukTriesLeft"), 0, pin.pukMaxTries);
      }
      pins.push_back(std::move(pin));
    }
    return pins;
  }

  std::string readPemFile(const json& value, const std::string& path) const {
    const std::filesystem::path given(stringValue(value, path));
    const std::filesystem::path file =
        given.is_absolute() || baseDir_.empty() ? given : baseDir_ / given;
    std::ifstream in(file, std::ios::binary);
    if (!in) fail(path, "cannot read '" + file.string() + "'");
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
  }

  std::vector<KeySpec> parseKeys(const json& value) {
    arrayValue(value, "keys");
    std::vector<KeySpec> keys;
    std::set<std::uint8_t> refs;
    for (std::size_t i = 0; i < value.size(); ++i) {
      const std::string path = element("keys", i);
      const json& entry = objectValue(value[i], path);
      allowOnly(entry, path, {"ref", "pem", "pemFile", "use", "authenticate"});
      KeySpec key;
      key.ref = byteValue(requiredField(entry, path, "ref"), member(path, "ref"));
      if (!refs.insert(key.ref).second) fail(member(path, "ref"), "key reference used twice");
      const json* pem = optionalField(entry, "pem");
      const json* pemFile = optionalField(entry, "pemFile");
      if ((pem == nullptr) == (pemFile == nullptr))
        fail(path, "give exactly one of pem or pemFile");
      std::string keyPath;
      if (pem != nullptr) {
        keyPath = member(path, "pem");
        if (pem->is_array()) {  // one string per line, for readability
          for (std::size_t line = 0; line < pem->size(); ++line) {
            key.privateKeyPem += stringValue((*pem)[line], element(keyPath, line)) + "\n";
          }
        } else {
          key.privateKeyPem = stringValue(*pem, keyPath);
        }
      } else {
        keyPath = member(path, "pemFile");
        key.privateKeyPem = readPemFile(*pemFile, keyPath);
      }
      if (!detail::parsePrivateKeyPem(key.privateKeyPem)) {
        fail(keyPath, "not an unencrypted RSA or EC private key in PEM format");
      }
      requiredField(entry, path, "use");
      key.use = rule(entry, path, "use");
      // A card-authentication key answers INTERNAL AUTHENTICATE under its own
      // rule (often without PIN) while PSO signatures keep `use`.
      if (optionalField(entry, "authenticate") != nullptr)
        key.authenticate = rule(entry, path, "authenticate");
      keys.push_back(std::move(key));
    }
    return keys;
  }

  static std::map<std::uint16_t, Bytes> parseDataObjects(const json& value) {
    objectValue(value, "dataObjects");
    std::map<std::uint16_t, Bytes> objects;
    for (auto it = value.begin(); it != value.end(); ++it) {
      const std::string path = member("dataObjects", it.key());
      if (it.key() == "comment" || (!it.key().empty() && it.key()[0] == '_')) continue;
      Bytes tag;
      try {
        tag = fromHex(it.key());
      } catch (const Error&) {
      }
      if (tag.size() != 2) fail(path, "expected 4 hex digits (P1 P2 of GET DATA) as the name");
      objects[static_cast<std::uint16_t>((tag[0] << 8) | tag[1])] =
          hexBytes(it.value(), path, 1, kMaxFileSize);
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
  const base::JsonLocator locator = [](const base::JsonFault& fault) {
    const std::string what = fault.reason.empty() ? fault.message() : fault.reason;
    return Error(Errc::ProfileInvalid, "(profile): not valid JSON: " + what, std::string(kHint));
  };
  return detail::parseProfileDocument(base::parseStrictJson(text, {}, locator), baseDir);
}

}  // namespace hcbridge::sim
