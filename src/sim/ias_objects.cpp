// IAS-ECC views of the simulated card, as the CPS3 and OpenSC's IAS-ECC
// driver use them: security attributes in the FCP (A1 { 8C AM SCB... }) and
// GET DATA (odd INS CB) on the security data objects (SDO) of PINs and
// private keys. docs/cards-french.md lists the facts and their sources.
#include <openssl/evp.h>

#include <algorithm>

#include "card_state.hpp"
#include "hcbridge/tlv.hpp"

namespace hcbridge::sim::detail {
namespace {

constexpr std::uint8_t kScbAlways = 0x00;
constexpr std::uint8_t kScbNever = 0xFF;
constexpr std::uint8_t kScbUserAuthentication = 0x10;  // low nibble: a security environment

// SDO classes in the header BF <class | 80 local> <ref>.
constexpr std::uint8_t kClassChv = 0x01;
constexpr std::uint8_t kClassRsaPrivate = 0x10;
constexpr std::uint8_t kLocalBit = 0x80;

// Tags of the header list and of the answer.
constexpr tlv::Tag kDocp = 0xA0;         // the object's description: counters, size, ACLs
constexpr tlv::Tag kChvPublic = 0x7F41;  // a PIN's public data: max (80) and min (81) length
constexpr tlv::Tag kAcls = 0xA1;
constexpr tlv::Tag kAclsContact = 0x8C;

Bytes oneByte(int value) {
  return Bytes{static_cast<std::uint8_t>(std::clamp(value, 0, 255))};
}

// Access mode byte + one SCB per bit set, from bit 40 down to bit 01.
tlv::Node compactAttributes(std::uint8_t accessMode, std::initializer_list<std::uint8_t> scbs) {
  Bytes value{accessMode};
  value.insert(value.end(), scbs.begin(), scbs.end());
  return tlv::constructed(kAcls, {tlv::primitive(kAclsContact, std::move(value))});
}

// The header list's wanted tags: each a BER tag followed by one length byte
// (the CPS3 and OpenSC send 80). nullopt when malformed.
std::optional<std::vector<tlv::Tag>> wantedTags(ByteView list) {
  std::vector<tlv::Tag> tags;
  std::size_t i = 0;
  while (i < list.size()) {
    tlv::Tag tag = list[i++];
    if ((tag & 0x1F) == 0x1F) {
      if (i >= list.size()) return std::nullopt;
      tag = (tag << 8) | list[i++];
    }
    if (i >= list.size()) return std::nullopt;
    ++i;  // the length byte
    tags.push_back(tag);
  }
  return tags;
}

std::vector<tlv::Node> chvObjects(const PinSpec& pin, const std::vector<tlv::Tag>& wanted) {
  std::vector<tlv::Node> out;
  for (const tlv::Tag tag : wanted) {
    if (tag == kDocp) {
      // CHV operations: 40 change, 20 verify, 10 reset, 02 put data, 01 get data.
      out.push_back(tlv::constructed(
          kDocp,
          {tlv::primitive(0x9A, oneByte(pin.maxTries)),
           tlv::primitive(0x9B, oneByte(pin.triesLeft)),
           compactAttributes(0x73, {kScbAlways, kScbAlways, kScbAlways, kScbNever, kScbAlways})}));
    } else if (tag == kChvPublic) {
      out.push_back(tlv::constructed(kChvPublic, {tlv::primitive(0x80, oneByte(pin.maxLength)),
                                                  tlv::primitive(0x81, oneByte(pin.minLength))}));
    }
  }
  return out;
}

std::vector<tlv::Node> privateKeyObjects(const LoadedKey& key,
                                         const std::vector<tlv::Tag>& wanted) {
  std::vector<tlv::Node> out;
  for (const tlv::Tag tag : wanted) {
    if (tag != kDocp) continue;  // a private key's own data (7F48) is never readable
    const int bytes = EVP_PKEY_get_size(key.pkey.get());
    // Key operations: 40 PSO signature, 20 internal authenticate, 10 decipher,
    // 08 generate, 02 put data, 01 get data.
    out.push_back(tlv::constructed(
        kDocp, {tlv::primitive(0x80, Bytes{static_cast<std::uint8_t>(bytes >> 8),
                                           static_cast<std::uint8_t>(bytes & 0xFF)}),
                compactAttributes(0x7B, {securityConditionByte(key.use),
                                         securityConditionByte(key.authenticate.value_or(key.use)),
                                         kScbNever, kScbNever, kScbNever, kScbAlways})}));
  }
  return out;
}

// An RSA key named by an SDO reference: the local reference (bit 80) first,
// as OpenSC asks for key 82 with BF 90 02, then the reference as given.
const LoadedKey* rsaKey(const CardState& state, std::uint8_t sdoClass, std::uint8_t ref) {
  std::optional<std::size_t> index;
  if ((sdoClass & kLocalBit) != 0) index = state.findKey(ref | kLocalBit);
  if (!index) index = state.findKey(ref);
  if (!index) return nullptr;
  const LoadedKey& key = state.keys[*index];
  if (EVP_PKEY_get_base_id(key.pkey.get()) != EVP_PKEY_RSA) return nullptr;
  return &key;
}

}  // namespace

std::uint8_t securityConditionByte(const AccessRule& rule) {
  switch (rule.kind) {
    case AccessRule::Kind::Always:
      return kScbAlways;
    case AccessRule::Kind::Pin:
      return static_cast<std::uint8_t>(kScbUserAuthentication | (rule.pinRef & 0x0F));
    default:
      return kScbNever;  // Never, and AND/OR rules the compact format cannot say
  }
}

tlv::Node fileSecurityAttributes(const FileNode& file) {
  // Bits 40 delete, 20 terminate, 10 activate, 08 deactivate: never; 02 update
  // (EF) or create (DF), 01 read (EF).
  if (file.type == FileNode::Type::DF) {
    return compactAttributes(0x7B,
                             {kScbNever, kScbNever, kScbNever, kScbNever, kScbNever, kScbNever});
  }
  return compactAttributes(
      0x7B, {kScbNever, kScbNever, kScbNever, kScbNever, securityConditionByte(file.update),
             securityConditionByte(file.read)});
}

// GET DATA, P1P2 3FFF, data 4D L 70 L BF <class> <ref> L <wanted tags>.
Result getSecurityDataObject(CardState& state, const apdu::CommandApdu& command) {
  if (command.p1 != 0x3F || command.p2 != 0xFF) return status(sw::kWrongP1P2);
  const Bytes& d = command.data;
  // T=0 sends a command with data and Le as data only (case 4 as case 3); the
  // answer then comes through 61xx. T=1 needs the Le.
  if (!command.ne && state.profile.protocol != Protocol::T0) return status(sw::kWrongLength);
  if (d.size() < 8 || d.size() > 127 || d[0] != 0x4D || d[1] != d.size() - 2 || d[2] != 0x70 ||
      d[3] != d.size() - 4 || d[7] != d.size() - 8 || d[4] != 0xBF) {
    return status(sw::kWrongData);
  }
  const std::uint8_t sdoClass = d[5];
  const std::uint8_t ref = d[6];
  const auto wanted = wantedTags(ByteView(d).subspan(8));
  if (!wanted) return status(sw::kWrongData);

  std::vector<tlv::Node> objects;
  switch (sdoClass & ~kLocalBit) {
    case kClassChv: {
      const auto entry = state.findPin(ref);
      if (!entry) return status(sw::kReferenceNotFound);
      objects = chvObjects(state.pinSecret(*entry), *wanted);
      break;
    }
    case kClassRsaPrivate: {
      const LoadedKey* key = rsaKey(state, sdoClass, ref);
      if (key == nullptr) return status(sw::kReferenceNotFound);
      objects = privateKeyObjects(*key, *wanted);
      break;
    }
    default:
      return status(sw::kReferenceNotFound);
  }
  // Nothing of what was asked is readable (a private key's own data): 6A86,
  // which OpenSC takes as "no public data" and then asks for the DOCP.
  if (objects.empty()) return status(sw::kWrongP1P2);
  const tlv::Node answer = tlv::constructed(
      0x70, {tlv::constructed((0xBF0000u | (sdoClass << 8)) | ref, std::move(objects))});
  return Result{tlv::encode(answer), sw::kOk, true};
}

}  // namespace hcbridge::sim::detail
