// BER-TLV (ISO 7816-4 / X.690 subset used by smart cards): parser and builder.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "hcbridge/bytes.hpp"

namespace hcbridge::tlv {

// A tag is stored as its encoded bytes packed big-endian: 0x5A, 0x7F21,
// 0xBF8101. At most 4 tag bytes are accepted.
using Tag = std::uint32_t;

struct Node {
  Tag tag = 0;
  Bytes value;                // content of a primitive object
  std::vector<Node> children;  // content of a constructed object

  // Bit 6 (0x20) of the first tag byte.
  bool isConstructed() const;
  // First direct child with that tag, or nullptr.
  const Node* find(Tag childTag) const;
  // All direct children with that tag.
  std::vector<const Node*> findAll(Tag childTag) const;
};

struct ParseOptions {
  std::size_t maxDepth = 16;
  // Skip 0x00 / 0xFF bytes between objects (ISO 7816-4 padding), as found at
  // the end of fixed-size card files.
  bool skipPadding = false;
};

// Parses a sequence of BER-TLV objects filling the whole input. Throws
// Error(TlvInvalid) on a truncated tag or length, a length beyond the input,
// indefinite length (0x80), lengths longer than 4 bytes, tags longer than 4
// bytes, or nesting deeper than maxDepth.
std::vector<Node> parse(ByteView input, const ParseOptions& options = {});

// Encodes with the shortest definite length. Constructed nodes encode their
// children; primitive nodes their value.
Bytes encode(const Node& node);
Bytes encode(const std::vector<Node>& nodes);

// Builders.
Node primitive(Tag tag, Bytes value);
Node constructed(Tag tag, std::vector<Node> children);

}  // namespace hcbridge::tlv
