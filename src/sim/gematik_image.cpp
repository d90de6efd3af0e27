// gematik XML card images -> sim::Profile, part 4 of 4: the object tree
// (DFs, EFs, PINs, keys) and the entry points. Parts 1-3: gematik_values,
// gematik_rules, gematik_keys.
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

#include <openssl/crypto.h>
#include <openssl/err.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <optional>
#include <pugixml.hpp>

#include "gematik_keys.hpp"
#include "gematik_rules.hpp"
#include "gematik_values.hpp"
#include "hcbridge/base/openssl_handle.hpp"

namespace hcbridge::sim {
namespace gematik {
namespace {

constexpr std::size_t kMaxFileSize = 32767;  // READ BINARY reaches 15-bit offsets
constexpr std::size_t kMaxRecords = 254;
constexpr int kMaxDepth = 8;

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

Profile convert(const pugi::xml_document& document, const pugi::xml_parse_result& result,
                const std::string& name) {
  if (!result) {
    fail(name, std::string("not valid XML: ") + result.description() + " at offset " +
                   std::to_string(result.offset));
  }
  return ImageConverter(name).convert(document);
}

}  // namespace
}  // namespace gematik

Profile parseGematikImage(std::string_view xml, const std::string& name) {
  pugi::xml_document document;
  const pugi::xml_parse_result result =
      document.load_buffer(xml.data(), xml.size(), pugi::parse_default, pugi::encoding_auto);
  return gematik::convert(document, result, name);
}

Profile loadGematikImage(const std::filesystem::path& path) {
  std::error_code error;
  const auto size = std::filesystem::file_size(path, error);
  std::ifstream in(path, std::ios::binary);
  if (error || !in) gematik::fail(path.string(), "cannot read the file");
  std::string text(static_cast<std::size_t>(size), '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (!in) gematik::fail(path.string(), "cannot read the file");
  // The image holds PINs and private keys: it is parsed in place (no copy
  // inside pugixml) and wiped afterwards.
  struct Wipe {
    std::string& text;
    ~Wipe() { OPENSSL_cleanse(text.data(), text.size()); }
  } wipe{text};
  pugi::xml_document document;
  const pugi::xml_parse_result result = document.load_buffer_inplace(
      text.data(), text.size(), pugi::parse_default, pugi::encoding_auto);
  return gematik::convert(document, result, path.stem().string());
}

}  // namespace hcbridge::sim
