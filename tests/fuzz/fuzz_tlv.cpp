// tlv::parse on arbitrary bytes. The first byte selects the options (bit 0:
// skipPadding, bits 1-5: maxDepth 0..31). Accepted input must encode to
// something no longer than itself that parses back to the same tree.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "hcbridge/error.hpp"
#include "hcbridge/tlv.hpp"

using hcbridge::tlv::Node;

namespace {
bool same(const std::vector<Node>& a, const std::vector<Node>& b);

bool same(const Node& a, const Node& b) {
  return a.tag == b.tag && a.value == b.value && same(a.children, b.children);
}

bool same(const std::vector<Node>& a, const std::vector<Node>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (!same(a[i], b[i])) return false;
  }
  return true;
}

// Tree invariants: primitives have no children, constructed nodes no value.
bool wellFormed(const std::vector<Node>& nodes, std::size_t depth, std::size_t maxDepth) {
  for (const Node& node : nodes) {
    if (depth > maxDepth || node.tag == 0) return false;
    if (node.isConstructed() ? !node.value.empty() : !node.children.empty()) return false;
    if (!wellFormed(node.children, depth + 1, maxDepth)) return false;
    for (const Node& child : node.children) {
      if (node.find(child.tag) == nullptr || node.findAll(child.tag).empty()) return false;
    }
  }
  return true;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  hcbridge::tlv::ParseOptions options;
  options.skipPadding = (data[0] & 0x01) != 0;
  options.maxDepth = (data[0] >> 1) & 0x1F;
  const hcbridge::ByteView input(data + 1, size - 1);

  std::vector<Node> nodes;
  try {
    nodes = hcbridge::tlv::parse(input, options);
  } catch (const hcbridge::Error&) {
    return 0;
  }
  if (!wellFormed(nodes, 1, options.maxDepth)) __builtin_trap();

  hcbridge::Bytes encoded;
  try {
    encoded = hcbridge::tlv::encode(nodes);
  } catch (const hcbridge::Error&) {
    __builtin_trap();  // whatever parses must encode
  }
  // Shortest lengths and dropped padding never make it longer.
  if (encoded.size() > input.size()) __builtin_trap();

  hcbridge::tlv::ParseOptions strict;
  strict.maxDepth = options.maxDepth;
  const std::vector<Node> reparsed = hcbridge::tlv::parse(encoded, strict);
  if (!same(nodes, reparsed)) __builtin_trap();
  if (hcbridge::tlv::encode(reparsed) != encoded) __builtin_trap();
  return 0;
}
