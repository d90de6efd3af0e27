// gematik XML card images -> sim::Profile.
//
// The image format (docs/cards-german.md, "Simulator images"):
//   <card><objectSystem>
//     <attribute id="coldAnswerToReset">3b...</attribute>
//     <attribute id="root"><child id="MF" objectType="ADF">
//       <attributes><attribute id="KEY">value</attribute>...</attributes>
//       <children><child ...>...</children>
//       <records><record><attribute id="recordValue">hex</attribute></record></records>
// Access rules are expressions such as
//   CB{ [ACTIVATED,1,{ ({00||b0||??||??},ALW), ({00||2a||9e||9a},OR{PWD(02),AND{PWD(01),
//   AUTCHAT(...)}}) }] }
// of which ALW, PWD, AND and OR are mapped; secure messaging and role
// conditions (SMMAC, SMCMDENC, SMRSPENC, AUTCHAT) can never be met here.
#include "hcbridge/sim/gematik_image.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <fstream>
#include <memory>
#include <optional>
#include <pugixml.hpp>

#include "hcbridge/base/openssl_handle.hpp"
#include "hcbridge/error.hpp"

namespace hcbridge::sim {
namespace {

constexpr std::string_view kHint =
    "The file must be a gematik card image (XML object system, as in gematik's "
    "ref-OpenHealthCardKit). See docs/cards-german.md.";
constexpr std::size_t kMaxFileSize = 32767;  // READ BINARY reaches 15-bit offsets
constexpr std::size_t kMaxRecords = 254;
constexpr int kMaxDepth = 8;
constexpr int kMaxRuleDepth = 32;

[[noreturn]] void fail(const std::string& where, const std::string& what) {
  throw Error(Errc::ProfileInvalid, where + ": " + what, std::string(kHint));
}

// ---------------------------------------------------------------------------
// Attribute values

int hexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Hex with any whitespace (values may hold newlines); nullopt when not hex.
std::optional<Bytes> hexBytes(std::string_view text) {
  Bytes bytes;
  bytes.reserve(text.size() / 2);
  int high = -1;
  for (const char c : text) {
    if (std::isspace(static_cast<unsigned char>(c))) continue;
    const int digit = hexDigit(c);
    if (digit < 0) return std::nullopt;
    if (high < 0) {
      high = digit;
    } else {
      bytes.push_back(static_cast<std::uint8_t>((high << 4) | digit));
      high = -1;
    }
  }
  if (high >= 0) return std::nullopt;
  return bytes;
}

std::string trimmed(std::string_view text) {
  const auto notSpace = [](char c) { return !std::isspace(static_cast<unsigned char>(c)); };
  const auto begin = std::find_if(text.begin(), text.end(), notSpace);
  const auto end = std::find_if(text.rbegin(), text.rend(), notSpace).base();
  return begin < end ? std::string(begin, end) : std::string();
}

bool equalsIgnoringCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// The <attributes> of one object, looked up by id.
class Attributes {
 public:
  Attributes(pugi::xml_node object, std::string where)
      : node_(object.child("attributes")), where_(std::move(where)) {}

  const std::string& where() const { return where_; }

  std::optional<std::string_view> text(const char* id) const {
    const pugi::xml_node attribute = node_.find_child_by_attribute("attribute", "id", id);
    if (!attribute) return std::nullopt;
    return std::string_view(attribute.child_value());
  }

  std::optional<Bytes> bytes(const char* id) const {
    const auto value = text(id);
    if (!value) return std::nullopt;
    auto decoded = hexBytes(*value);
    if (!decoded) fail(where_ + "/" + id, "expected hex");
    return decoded;
  }

  // Hex that may be absent or a placeholder such as "AttributeNotSet".
  std::optional<Bytes> bytesIfSet(const char* id) const {
    const auto value = text(id);
    if (!value) return std::nullopt;
    return hexBytes(*value);
  }

  Bytes requiredBytes(const char* id) const {
    auto value = bytes(id);
    if (!value) fail(where_, std::string("missing attribute ") + id);
    return std::move(*value);
  }

  // A hex number ("2d", "0193", "000C").
  std::optional<std::size_t> number(const char* id, std::size_t max) const {
    const auto value = bytes(id);
    if (!value) return std::nullopt;
    std::size_t number = 0;
    for (const std::uint8_t byte : *value) {
      if (number > (max >> 8)) fail(where_ + "/" + id, "value too large");
      number = (number << 8) | byte;
    }
    if (number > max) fail(where_ + "/" + id, "value too large");
    return number;
  }

  std::string string(const char* id) const {
    const auto value = text(id);
    return value ? trimmed(*value) : std::string();
  }

 private:
  pugi::xml_node node_;
  std::string where_;
};

// "{d2760001448000}" -> bytes
Bytes applicationIdentifier(const Attributes& attributes) {
  const auto value = attributes.text("applicationIdentifier");
  if (!value) return {};
  std::string text = trimmed(*value);
  if (text.size() >= 2 && text.front() == '{' && text.back() == '}') {
    text = text.substr(1, text.size() - 2);
  }
  auto aid = hexBytes(text);
  if (!aid || aid->empty() || aid->size() > 16) {
    fail(attributes.where() + "/applicationIdentifier", "expected 1 to 16 hex bytes in braces");
  }
  return std::move(*aid);
}

// ---------------------------------------------------------------------------
// Access rules

AccessRule combine(AccessRule::Kind kind, std::vector<AccessRule> operands) {
  const bool isAnd = kind == AccessRule::Kind::And;
  const AccessRule::Kind absorbing = isAnd ? AccessRule::Kind::Never : AccessRule::Kind::Always;
  const AccessRule::Kind neutral = isAnd ? AccessRule::Kind::Always : AccessRule::Kind::Never;
  std::vector<AccessRule> kept;
  for (auto& operand : operands) {
    if (operand.kind == absorbing) return operand;
    if (operand.kind != neutral) kept.push_back(std::move(operand));
  }
  if (kept.empty()) return isAnd ? AccessRule::always() : AccessRule::never();
  if (kept.size() == 1) return std::move(kept.front());
  return AccessRule{kind, 0, std::move(kept)};
}

// CLA INS P1 P2 of a command template; -1 = "??".
using CommandPattern = std::array<int, 4>;

struct RuleEntry {
  std::vector<CommandPattern> commands;
  AccessRule condition;
};

struct RuleSet {  // one [lifecycle, SE, {...}] of the contact interface
  std::string lifeCycle;
  std::optional<int> securityEnvironment;  // nullopt = "??"
  std::vector<RuleEntry> entries;
};

class RuleParser {
 public:
  RuleParser(std::string_view text, std::string where) : text_(text), where_(std::move(where)) {}

  // The rule sets of the contact interface (CB); contactless (CL) ones are
  // parsed and dropped.
  std::vector<RuleSet> parse() {
    std::vector<RuleSet> contact;
    skipSpace();
    if (atEnd()) return contact;
    do {
      const std::string interface = identifier();
      expect('{');
      std::vector<RuleSet> sets;
      if (!peek('}')) {
        do {
          sets.push_back(ruleSet());
        } while (accept(','));
      }
      expect('}');
      if (interface == "CB") {
        contact.insert(contact.end(), sets.begin(), sets.end());
      } else if (interface != "CL") {
        error("unknown interface '" + interface + "'");
      }
    } while (accept(','));
    skipSpace();
    if (!atEnd()) error("unexpected text");
    return contact;
  }

 private:
  RuleSet ruleSet() {
    RuleSet set;
    expect('[');
    set.lifeCycle = identifier();
    expect(',');
    const std::string se = token();
    if (se != "??") {
      if (se.empty() || se.size() > 3 ||
          !std::all_of(se.begin(), se.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        error("bad security environment '" + se + "'");
      }
      set.securityEnvironment = std::stoi(se);
    }
    expect(',');
    expect('{');
    if (!peek('}')) {
      do {
        set.entries.push_back(entry());
      } while (accept(','));
    }
    expect('}');
    expect(']');
    return set;
  }

  RuleEntry entry() {
    RuleEntry entry;
    expect('(');
    expect('{');
    do {
      entry.commands.push_back(command());
    } while (accept(','));
    expect('}');
    expect(',');
    entry.condition = condition(0);
    expect(')');
    return entry;
  }

  CommandPattern command() {
    CommandPattern pattern{};
    for (std::size_t i = 0; i < 4; ++i) {
      if (i > 0) {
        expect('|');
        expect('|');
      }
      skipSpace();
      if (pos_ + 2 > text_.size()) error("truncated command");
      const char a = text_[pos_];
      const char b = text_[pos_ + 1];
      pos_ += 2;
      if (a == '?' && b == '?') {
        pattern[i] = -1;
      } else if (hexDigit(a) >= 0 && hexDigit(b) >= 0) {
        pattern[i] = hexDigit(a) * 16 + hexDigit(b);
      } else {
        error("bad command byte");
      }
    }
    return pattern;
  }

  AccessRule condition(int depth) {
    if (depth > kMaxRuleDepth) error("conditions nested too deeply");
    const std::string name = identifier();
    if (name == "AND" || name == "OR") {
      expect('{');
      std::vector<AccessRule> operands;
      do {
        operands.push_back(condition(depth + 1));
      } while (accept(','));
      expect('}');
      return combine(name == "AND" ? AccessRule::Kind::And : AccessRule::Kind::Or,
                     std::move(operands));
    }
    std::string argument;
    if (accept('(')) {
      const std::size_t start = pos_;
      const std::size_t close = text_.find(')', pos_);
      if (close == std::string_view::npos) error("missing ')'");
      argument = trimmed(text_.substr(start, close - start));
      pos_ = close + 1;
    }
    if (name == "ALW") return AccessRule::always();
    if (name == "PWD") {
      const auto ref = hexBytes(argument);
      if (!ref || ref->size() != 1) error("PWD needs a one-byte reference");
      return AccessRule::pin((*ref)[0]);
    }
    // NEV, secure messaging (SMMAC, SMCMDENC, SMRSPENC), role authentication
    // (AUTCHAT) and anything else: never met by the simulator.
    return AccessRule::never();
  }

  void skipSpace() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  bool atEnd() const { return pos_ >= text_.size(); }
  bool peek(char c) {
    skipSpace();
    return pos_ < text_.size() && text_[pos_] == c;
  }
  bool accept(char c) {
    if (!peek(c)) return false;
    ++pos_;
    return true;
  }
  void expect(char c) {
    if (!accept(c)) error(std::string("expected '") + c + "'");
  }
  // Letters, digits, '_' and '?'.
  std::string token() {
    skipSpace();
    const std::size_t start = pos_;
    while (pos_ < text_.size() && (std::isalnum(static_cast<unsigned char>(text_[pos_])) ||
                                   text_[pos_] == '_' || text_[pos_] == '?')) {
      ++pos_;
    }
    return std::string(text_.substr(start, pos_ - start));
  }
  std::string identifier() {
    std::string name = token();
    if (name.empty()) error("expected a name");
    return name;
  }
  [[noreturn]] void error(const std::string& what) const {
    fail(where_ + "/accessRules", what + " at character " + std::to_string(pos_));
  }

  std::string_view text_;
  std::string where_;
  std::size_t pos_ = 0;
};

// The rule for a command: every entry of the active rule sets whose command
// template matches (-1 in `command` matches any value) allows it; no entry
// means never.
class ObjectRules {
 public:
  explicit ObjectRules(const Attributes& attributes) {
    const auto text = attributes.text("accessRules");
    if (!text) return;
    const std::string lifeCycle = attributes.string("lifeCycleStatus");
    for (auto& set : RuleParser(*text, attributes.where()).parse()) {
      if (!lifeCycle.empty() && set.lifeCycle != lifeCycle) continue;
      if (set.securityEnvironment && *set.securityEnvironment != 1) continue;
      entries_.insert(entries_.end(), set.entries.begin(), set.entries.end());
    }
  }

  AccessRule ruleFor(const CommandPattern& command) const {
    std::vector<AccessRule> allowed;
    for (const auto& entry : entries_) {
      const bool matches = std::any_of(
          entry.commands.begin(), entry.commands.end(), [&](const CommandPattern& pattern) {
            for (std::size_t i = 0; i < 4; ++i) {
              if (pattern[i] >= 0 && command[i] >= 0 && pattern[i] != command[i]) return false;
            }
            return true;
          });
      if (matches) allowed.push_back(entry.condition);
    }
    return combine(AccessRule::Kind::Or, std::move(allowed));
  }

 private:
  std::vector<RuleEntry> entries_;
};

constexpr CommandPattern kReadBinary{0x00, 0xB0, -1, -1};
constexpr CommandPattern kUpdateBinary{0x00, 0xD6, -1, -1};
constexpr CommandPattern kReadRecord{0x00, 0xB2, -1, -1};
constexpr CommandPattern kUpdateRecord{0x00, 0xDC, -1, -1};
constexpr CommandPattern kComputeSignature{0x00, 0x2A, 0x9E, 0x9A};
constexpr CommandPattern kInternalAuthenticate{0x00, 0x88, 0x00, 0x00};

// ---------------------------------------------------------------------------
// Keys

base::SecretBignumHandle bignum(const Bytes& bytes) {
  return base::SecretBignumHandle(BN_bin2bn(bytes.data(), static_cast<int>(bytes.size()), nullptr));
}

base::EvpPkeyHandle keyFromParams(const char* type, OSSL_PARAM_BLD* builder) {
  base::OsslParamHandle params(OSSL_PARAM_BLD_to_param(builder));
  base::EvpPkeyCtxHandle ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* key = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) <= 0 ||
      EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_KEYPAIR, params.get()) <= 0) {
    return nullptr;
  }
  return base::EvpPkeyHandle(key);
}

// n e d p q dP dQ c (c = q^-1 mod p) -> RSA key.
base::EvpPkeyHandle rsaKey(const std::array<Bytes, 8>& parts) {
  static constexpr const char* kNames[8] = {
      OSSL_PKEY_PARAM_RSA_N,         OSSL_PKEY_PARAM_RSA_E,           OSSL_PKEY_PARAM_RSA_D,
      OSSL_PKEY_PARAM_RSA_FACTOR1,   OSSL_PKEY_PARAM_RSA_FACTOR2,     OSSL_PKEY_PARAM_RSA_EXPONENT1,
      OSSL_PKEY_PARAM_RSA_EXPONENT2, OSSL_PKEY_PARAM_RSA_COEFFICIENT1};
  base::OsslParamBldHandle builder(OSSL_PARAM_BLD_new());
  if (!builder) return nullptr;
  std::vector<base::SecretBignumHandle> numbers;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (parts[i].empty()) return nullptr;
    numbers.push_back(bignum(parts[i]));
    if (!numbers.back() ||
        OSSL_PARAM_BLD_push_BN(builder.get(), kNames[i], numbers.back().get()) <= 0) {
      return nullptr;
    }
  }
  return keyFromParams("RSA", builder.get());
}

// Private scalar (+ public point 04||X||Y, computed when absent) -> EC key.
base::EvpPkeyHandle ecKey(const std::string& curve, const Bytes& scalar,
                          std::optional<Bytes> point) {
  const int nid = OBJ_txt2nid(curve.c_str());
  if (nid == NID_undef || scalar.empty()) return nullptr;
  const base::SecretBignumHandle privateKey = bignum(scalar);
  if (!privateKey) return nullptr;
  if (!point || point->empty()) {
    base::EcGroupHandle group(EC_GROUP_new_by_curve_name(nid));
    if (!group) return nullptr;
    base::EcPointHandle publicKey(EC_POINT_new(group.get()));
    if (!publicKey || EC_POINT_mul(group.get(), publicKey.get(), privateKey.get(), nullptr, nullptr,
                                   nullptr) != 1) {
      return nullptr;
    }
    const std::size_t size = EC_POINT_point2oct(group.get(), publicKey.get(),
                                                POINT_CONVERSION_UNCOMPRESSED, nullptr, 0, nullptr);
    point = Bytes(size);
    if (size == 0 || EC_POINT_point2oct(group.get(), publicKey.get(), POINT_CONVERSION_UNCOMPRESSED,
                                        point->data(), size, nullptr) != size) {
      return nullptr;
    }
  }
  base::OsslParamBldHandle builder(OSSL_PARAM_BLD_new());
  if (!builder ||
      OSSL_PARAM_BLD_push_utf8_string(builder.get(), OSSL_PKEY_PARAM_GROUP_NAME, OBJ_nid2sn(nid),
                                      0) <= 0 ||
      OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_PRIV_KEY, privateKey.get()) <= 0 ||
      OSSL_PARAM_BLD_push_octet_string(builder.get(), OSSL_PKEY_PARAM_PUB_KEY, point->data(),
                                       point->size()) <= 0) {
    return nullptr;
  }
  return keyFromParams("EC", builder.get());
}

std::string toPem(EVP_PKEY* key) {
  base::BioHandle bio(BIO_new(BIO_s_mem()));
  if (!bio ||
      PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return {};
  }
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  std::string pem(data, static_cast<std::size_t>(size));
  OPENSSL_cleanse(data, static_cast<std::size_t>(size));
  return pem;
}

// ---------------------------------------------------------------------------
// The object tree

class ImageConverter {
 public:
  explicit ImageConverter(std::string name) : name_(std::move(name)) {}

  Profile convert(const pugi::xml_document& document) {
    const pugi::xml_node card = document.child("card");
    if (!card) fail(name_, "no <card> element");
    const pugi::xml_node system = card.child("objectSystem");
    if (!system) fail(name_, "no <objectSystem> element");
    Profile profile;
    profile.name = name_;
    const std::string cardName = card.attribute("name").value();
    profile.description = "gematik card image '" + (cardName.empty() ? name_ : cardName) +
                          "': TEST card (TEST-ONLY persons, keys and certificates)";
    profile.protocol = Protocol::T1;
    pugi::xml_node mf;
    for (const pugi::xml_node attribute : system.children("attribute")) {
      const std::string_view id = attribute.attribute("id").value();
      if (id == "coldAnswerToReset") {
        const auto atr = hexBytes(attribute.child_value());
        if (!atr || atr->size() < 2 || atr->size() > 33 ||
            ((*atr)[0] != 0x3B && (*atr)[0] != 0x3F)) {
          fail(name_ + "/coldAnswerToReset", "expected an ATR in hex");
        }
        profile.atr = *atr;
      } else if (id == "root") {
        mf = attribute.child("child");
      }
    }
    if (profile.atr.empty()) fail(name_, "no coldAnswerToReset");
    if (!mf) fail(name_, "no MF (<attribute id=\"root\"><child ...>)");

    const std::string where = name_ + "/" + mf.attribute("id").value();
    const Attributes attributes(mf, where);
    profile.mf.type = FileNode::Type::DF;
    profile.mf.fid = 0x3F00;
    profile.mf.aid = applicationIdentifier(attributes);
    children(mf, profile.mf, true, where, 1);
    resolveMultireferencePins();
    profile.pins = std::move(pins_);
    profile.keys = std::move(keys_);
    return profile;
  }

 private:
  void children(pugi::xml_node object, FileNode& df, bool isMf, const std::string& where,
                int depth) {
    if (depth > kMaxDepth) fail(where, "DFs nested too deeply");
    for (const pugi::xml_node child : object.child("children").children("child")) {
      const std::string type = child.attribute("objectType").value();
      const std::string childWhere = where + "/" + child.attribute("id").value();
      const Attributes attributes(child, childWhere);
      if (type == "Application" || type == "ADF" || type == "DF") {
        FileNode node;
        node.type = FileNode::Type::DF;
        node.aid = applicationIdentifier(attributes);
        node.fid = fid(attributes);
        if (node.aid.empty() && !node.fid) fail(childWhere, "a DF needs an AID or a FID");
        children(child, node, false, childWhere, depth + 1);
        df.children.push_back(std::move(node));
      } else if (type == "TransparentElementaryFile") {
        df.children.push_back(transparentFile(attributes));
      } else if (type == "LinearFixedElementaryFile" || type == "LinearVariableElementaryFile" ||
                 type == "CyclicElementaryFile") {
        df.children.push_back(recordFile(child, attributes));
      } else if (type == "PWD" || type == "MultireferencePWD") {
        password(attributes, type == "MultireferencePWD", isMf ? Bytes{} : df.aid);
      } else if (type == "PrivateRsaKey" || type == "PrivateElcKey") {
        privateKey(attributes, type == "PrivateRsaKey", isMf ? Bytes{} : df.aid);
      }
      // Symmetric and public keys are not simulated.
    }
  }

  static std::optional<std::uint16_t> fid(const Attributes& attributes) {
    const auto value = attributes.bytes("fileIdentifier");
    if (!value) return std::nullopt;
    if (value->size() != 2) fail(attributes.where() + "/fileIdentifier", "expected 4 hex digits");
    return static_cast<std::uint16_t>(((*value)[0] << 8) | (*value)[1]);
  }

  static void fileIds(const Attributes& attributes, FileNode& node) {
    node.fid = fid(attributes);
    if (const auto sfi = attributes.number("shortFileIdentifier", 0xFF)) {
      if (*sfi < 1 || *sfi > 30)
        fail(attributes.where() + "/shortFileIdentifier", "expected 01 to 1E");
      node.sfi = static_cast<std::uint8_t>(*sfi);
    }
    if (!node.fid && !node.sfi) fail(attributes.where(), "an EF needs a FID or an SFI");
  }

  static FileNode transparentFile(const Attributes& attributes) {
    FileNode node;
    node.type = FileNode::Type::TransparentEF;
    fileIds(attributes, node);
    node.data = attributes.bytes("body").value_or(Bytes{});
    // READ BINARY serves the bytes up to the logical end of the file, even
    // where the body holds more (or fewer: the rest reads as zeros).
    const auto end = attributes.number("positionLogicalEndOfFile", kMaxFileSize);
    node.data.resize(end.value_or(std::min(node.data.size(), kMaxFileSize)), 0x00);
    if (const auto size = attributes.number("numberOfOctet", 0xFFFF)) node.capacity = *size;
    const ObjectRules rules(attributes);
    node.read = rules.ruleFor(kReadBinary);
    node.update = rules.ruleFor(kUpdateBinary);
    return node;
  }

  static FileNode recordFile(pugi::xml_node object, const Attributes& attributes) {
    FileNode node;
    node.type = FileNode::Type::RecordEF;
    fileIds(attributes, node);
    for (const pugi::xml_node record : object.child("records").children("record")) {
      if (node.records.size() >= kMaxRecords) fail(attributes.where(), "more than 254 records");
      const pugi::xml_node value = record.find_child_by_attribute("attribute", "id", "recordValue");
      auto bytes = hexBytes(value.child_value());
      if (!bytes) fail(attributes.where() + "/records", "expected hex record values");
      node.records.push_back(std::move(*bytes));
    }
    const ObjectRules rules(attributes);
    node.read = rules.ruleFor(kReadRecord);
    node.update = rules.ruleFor(kUpdateRecord);
    return node;
  }

  static std::uint8_t reference(const Attributes& attributes, const char* id, bool inDf) {
    const auto value = attributes.number(id, 0x1F);
    if (!value) fail(attributes.where(), std::string("missing ") + id);
    return static_cast<std::uint8_t>(*value | (inDf ? 0x80 : 0x00));
  }

  static int counter(const Attributes& attributes, const char* id, int fallback) {
    return static_cast<int>(attributes.number(id, 15).value_or(static_cast<std::size_t>(fallback)));
  }

  void password(const Attributes& attributes, bool multireference, const Bytes& dfAid) {
    PinSpec pin;
    pin.dfAid = dfAid;
    pin.ref = reference(attributes, "pwdIdentifier", !dfAid.empty());
    if (multireference) {
      const auto shared = attributes.number("passwordReference", 0x1F);
      if (!shared) fail(attributes.where(), "missing passwordReference");
      pin.sharesWith = static_cast<std::uint8_t>(*shared);  // resolved below
      pins_.push_back(std::move(pin));
      return;
    }
    pin.value = attributes.requiredBytes("secret");
    if (pin.value.empty()) fail(attributes.where() + "/secret", "empty");
    pin.maxTries = std::max(1, counter(attributes, "startRetryCounter", 3));
    pin.triesLeft = std::min(pin.maxTries, counter(attributes, "retryCounter", pin.maxTries));
    const int pukUses = static_cast<int>(attributes.number("pukUsage", 0xFF).value_or(0));
    if (auto puk = attributes.bytesIfSet("PUK"); puk && !puk->empty() && pukUses > 0) {
      pin.puk = std::move(*puk);
      pin.pukMaxTries = std::min(pukUses, 15);
      pin.pukTriesLeft = pin.pukMaxTries;
    }
    const std::string transport = attributes.string("transportStatus");
    if (transport == "transportPIN") pin.state = PinSpec::State::TransportPin;
    if (transport == "leerPIN") pin.state = PinSpec::State::EmptyPin;
    if (pin.value.size() == 8 && (pin.value[0] >> 4) == 2) {
      pin.format2Checked = true;
      pin.minLength = static_cast<int>(attributes.number("minimumLength", 12).value_or(4));
      pin.maxLength = static_cast<int>(attributes.number("maximumLength", 12).value_or(12));
    }
    pins_.push_back(std::move(pin));
  }

  // A multireference PWD names a PWD by its identifier: the one of its own
  // DF when there is one, else the MF's.
  void resolveMultireferencePins() {
    for (auto& pin : pins_) {
      if (!pin.sharesWith) continue;
      const std::uint8_t local = static_cast<std::uint8_t>(*pin.sharesWith | 0x80);
      const bool inOwnDf =
          !pin.dfAid.empty() && std::any_of(pins_.begin(), pins_.end(), [&](const PinSpec& other) {
            return !other.sharesWith && other.ref == local && other.dfAid == pin.dfAid;
          });
      if (inOwnDf) {
        pin.sharesWith = local;
        continue;
      }
      const bool global = std::any_of(pins_.begin(), pins_.end(), [&](const PinSpec& other) {
        return !other.sharesWith && other.ref == *pin.sharesWith && other.dfAid.empty();
      });
      if (!global) {
        fail(name_, "multireference PIN " + toHex(ByteView(&pin.ref, 1)) + " names no password " +
                        toHex(ByteView(&*pin.sharesWith, 1)));
      }
    }
  }

  void privateKey(const Attributes& attributes, bool rsa, const Bytes& dfAid) {
    const std::string available = attributes.string("keyAvailable");
    base::EvpPkeyHandle key;
    if (rsa) {
      static constexpr const char* kParts[8] = {"n", "e", "d", "p", "q", "dP", "dQ", "c"};
      std::array<Bytes, 8> parts;
      bool complete = true;
      for (std::size_t i = 0; i < parts.size() && complete; ++i) {
        auto part = attributes.bytesIfSet(kParts[i]);
        complete = part.has_value();
        if (part) parts[i] = std::move(*part);
      }
      if (complete) key = rsaKey(parts);
      for (auto& part : parts) OPENSSL_cleanse(part.data(), part.size());
    } else {
      auto scalar = attributes.bytesIfSet("privateKey");
      if (scalar)
        key = ecKey(attributes.string("domainParameterOid"), *scalar, attributes.bytesIfSet("P"));
      if (scalar) OPENSSL_cleanse(scalar->data(), scalar->size());
    }
    ERR_clear_error();
    if (!key) {
      // Placeholders ("AttributeNotSet") of keys the image does not hold.
      if (!equalsIgnoringCase(available, "TRUE")) return;
      fail(attributes.where(), "not a usable private key");
    }
    KeySpec spec;
    spec.dfAid = dfAid;
    spec.ref = reference(attributes, "keyIdentifier", !dfAid.empty());
    spec.privateKeyPem = toPem(key.get());
    if (spec.privateKeyPem.empty()) fail(attributes.where(), "cannot encode the key");
    const ObjectRules rules(attributes);
    spec.use = rules.ruleFor(kComputeSignature);
    spec.authenticate = rules.ruleFor(kInternalAuthenticate);
    keys_.push_back(std::move(spec));
  }

  std::string name_;
  std::vector<PinSpec> pins_;
  std::vector<KeySpec> keys_;
};

}  // namespace

namespace {

Profile convert(const pugi::xml_document& document, const pugi::xml_parse_result& result,
                const std::string& name) {
  if (!result) {
    fail(name, std::string("not valid XML: ") + result.description() + " at offset " +
                   std::to_string(result.offset));
  }
  return ImageConverter(name).convert(document);
}

}  // namespace

Profile parseGematikImage(std::string_view xml, const std::string& name) {
  pugi::xml_document document;
  const pugi::xml_parse_result result =
      document.load_buffer(xml.data(), xml.size(), pugi::parse_default, pugi::encoding_auto);
  return convert(document, result, name);
}

Profile loadGematikImage(const std::filesystem::path& path) {
  std::error_code error;
  const auto size = std::filesystem::file_size(path, error);
  std::ifstream in(path, std::ios::binary);
  if (error || !in) fail(path.string(), "cannot read the file");
  std::string text(static_cast<std::size_t>(size), '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (!in) fail(path.string(), "cannot read the file");
  // The image holds PINs and private keys: it is parsed in place (no copy
  // inside pugixml) and wiped afterwards.
  struct Wipe {
    std::string& text;
    ~Wipe() { OPENSSL_cleanse(text.data(), text.size()); }
  } wipe{text};
  pugi::xml_document document;
  const pugi::xml_parse_result result = document.load_buffer_inplace(
      text.data(), text.size(), pugi::parse_default, pugi::encoding_auto);
  return convert(document, result, path.stem().string());
}

}  // namespace hcbridge::sim
