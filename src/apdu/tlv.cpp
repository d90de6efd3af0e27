// BER-TLV parser and encoder (ISO 7816-4 section 5.2, X.690 section 8.1).
#include "hcbridge/tlv.hpp"

#include <string>

#include "hcbridge/error.hpp"

namespace hcbridge::tlv {
namespace {

constexpr std::size_t kMaxTagBytes = 4;
constexpr std::size_t kMaxLengthBytes = 4;

[[noreturn]] void invalid(const std::string& message, std::size_t offset) {
  throw Error(Errc::TlvInvalid,
              "invalid BER-TLV at offset " + std::to_string(offset) + ": " + message);
}

// The first (most significant non-zero) byte of a packed tag.
std::uint8_t firstTagByte(Tag tag) {
  while (tag > 0xFF) tag >>= 8;
  return static_cast<std::uint8_t>(tag);
}

// The packed tag as its encoded bytes, e.g. 0x7F21 -> 7F 21, 0 -> 00.
Bytes tagBytes(Tag tag) {
  Bytes bytes;
  for (int shift = 24; shift >= 0; shift -= 8) {
    const auto b = static_cast<std::uint8_t>(tag >> shift);
    if (b != 0 || !bytes.empty() || shift == 0) bytes.push_back(b);
  }
  return bytes;
}

std::string tagHex(Tag tag) {
  return toHex(tagBytes(tag));
}

bool isPadding(std::uint8_t byte) {
  return byte == 0x00 || byte == 0xFF;
}

class Parser {
 public:
  Parser(ByteView input, const ParseOptions& options) : input_(input), options_(options) {}

  // Parses the objects in input_[begin, end) at nesting level `depth` (1 = top).
  std::vector<Node> sequence(std::size_t begin, std::size_t end, std::size_t depth) {
    std::vector<Node> nodes;
    std::size_t pos = begin;
    while (pos < end) {
      if (options_.skipPadding && isPadding(input_[pos])) {
        ++pos;
        continue;
      }
      if (depth > options_.maxDepth) {
        invalid("nesting deeper than " + std::to_string(options_.maxDepth) + " levels", pos);
      }
      nodes.push_back(object(pos, end, depth));
    }
    return nodes;
  }

 private:
  // Parses one object at pos (advanced past it), which must end by `end`.
  Node object(std::size_t& pos, std::size_t end, std::size_t depth) {
    const std::size_t start = pos;
    Node node;
    node.tag = tag(pos, end);
    const std::size_t length = this->length(pos, end);
    if (length > end - pos) {
      invalid("value of tag " + tagHex(node.tag) + " needs " + std::to_string(length) +
                  " bytes, only " + std::to_string(end - pos) + " left",
              start);
    }
    if (node.isConstructed()) {
      node.children = sequence(pos, pos + length, depth + 1);
    } else {
      node.value.assign(input_.begin() + static_cast<std::ptrdiff_t>(pos),
                        input_.begin() + static_cast<std::ptrdiff_t>(pos + length));
    }
    pos += length;
    return node;
  }

  Tag tag(std::size_t& pos, std::size_t end) {
    const std::size_t start = pos;
    const std::uint8_t first = input_[pos++];
    if (first == 0x00) invalid("tag 00 is not allowed (use skipPadding for padded data)", start);
    Tag value = first;
    if ((first & 0x1F) != 0x1F) return value;
    // Subsequent bytes: bit 8 set means another byte follows.
    for (std::size_t count = 1;; ++count) {
      if (pos >= end) invalid("truncated multi-byte tag", start);
      if (count == kMaxTagBytes) invalid("tag longer than 4 bytes", start);
      const std::uint8_t next = input_[pos++];
      // Like BF0C (EMV), tag numbers below 31 in the multi-byte form and a
      // second byte of 80 are accepted although X.690 asks for the shortest
      // form: the packed tag keeps the exact bytes, so encoding reproduces them.
      value = (value << 8) | next;
      if ((next & 0x80) == 0) return value;
    }
  }

  std::size_t length(std::size_t& pos, std::size_t end) {
    const std::size_t start = pos;
    if (pos >= end) invalid("missing length", start);
    const std::uint8_t first = input_[pos++];
    if (first < 0x80) return first;
    if (first == 0x80) invalid("indefinite length (80) is not allowed", start);
    const std::size_t count = first & 0x7F;
    if (count > kMaxLengthBytes) invalid("length field longer than 4 bytes", start);
    if (count > end - pos) invalid("truncated length field", start);
    std::size_t value = 0;
    for (std::size_t i = 0; i < count; ++i) value = (value << 8) | input_[pos++];
    return value;
  }

  ByteView input_;
  const ParseOptions& options_;
};

void encodeTag(Tag tag, Bytes& out) {
  const Bytes bytes = tagBytes(tag);
  // Validate the structure so that what is encoded parses back.
  bool valid = tag != 0;
  if (valid && bytes.size() == 1) valid = (bytes[0] & 0x1F) != 0x1F;
  if (valid && bytes.size() > 1) {
    valid = (bytes[0] & 0x1F) == 0x1F && (bytes.back() & 0x80) == 0;
    for (std::size_t i = 1; valid && i + 1 < bytes.size(); ++i) valid = (bytes[i] & 0x80) != 0;
  }
  if (!valid) {
    throw Error(Errc::TlvInvalid, "cannot encode BER-TLV: invalid tag " + tagHex(tag));
  }
  out.insert(out.end(), bytes.begin(), bytes.end());
}

void encodeLength(std::size_t length, Bytes& out) {
  if (length < 0x80) {
    out.push_back(static_cast<std::uint8_t>(length));
    return;
  }
  if (length > 0xFFFFFFFFu) {
    throw Error(Errc::TlvInvalid,
                "cannot encode BER-TLV: length " + std::to_string(length) + " exceeds 4 bytes");
  }
  std::size_t count = 1;
  while (count < kMaxLengthBytes && (length >> (8 * count)) != 0) ++count;
  out.push_back(static_cast<std::uint8_t>(0x80 | count));
  for (std::size_t i = count; i-- > 0;) out.push_back(static_cast<std::uint8_t>(length >> (8 * i)));
}

void encodeInto(const Node& node, Bytes& out) {
  encodeTag(node.tag, out);
  if (node.isConstructed()) {
    if (!node.value.empty()) {
      throw Error(Errc::TlvInvalid, "cannot encode BER-TLV: constructed tag " + tagHex(node.tag) +
                                        " has a primitive value");
    }
    Bytes content;
    for (const Node& child : node.children) encodeInto(child, content);
    encodeLength(content.size(), out);
    out.insert(out.end(), content.begin(), content.end());
  } else {
    if (!node.children.empty()) {
      throw Error(Errc::TlvInvalid,
                  "cannot encode BER-TLV: primitive tag " + tagHex(node.tag) + " has children");
    }
    encodeLength(node.value.size(), out);
    out.insert(out.end(), node.value.begin(), node.value.end());
  }
}

}  // namespace

bool Node::isConstructed() const {
  return (firstTagByte(tag) & 0x20) != 0;
}

const Node* Node::find(Tag childTag) const {
  for (const Node& child : children) {
    if (child.tag == childTag) return &child;
  }
  return nullptr;
}

std::vector<const Node*> Node::findAll(Tag childTag) const {
  std::vector<const Node*> found;
  for (const Node& child : children) {
    if (child.tag == childTag) found.push_back(&child);
  }
  return found;
}

std::vector<Node> parse(ByteView input, const ParseOptions& options) {
  return Parser(input, options).sequence(0, input.size(), 1);
}

Bytes encode(const Node& node) {
  Bytes out;
  encodeInto(node, out);
  return out;
}

Bytes encode(const std::vector<Node>& nodes) {
  Bytes out;
  for (const Node& node : nodes) encodeInto(node, out);
  return out;
}

Node primitive(Tag tag, Bytes value) {
  Node node;
  node.tag = tag;
  node.value = std::move(value);
  return node;
}

Node constructed(Tag tag, std::vector<Node> children) {
  Node node;
  node.tag = tag;
  node.children = std::move(children);
  return node;
}

}  // namespace hcbridge::tlv
