#include "audit_line.hpp"

#include <openssl/crypto.h>

#include <limits>
#include <nlohmann/json.hpp>

#include "hcbridge/base/json_object.hpp"
#include "hcbridge/error.hpp"
#include "sha256_hex.hpp"

namespace hcbridge::audit {
namespace {

bool isLowerHex64(const std::string& text) {
  if (text.size() != kNoPreviousLine.size()) return false;
  for (const char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool hasString(const nlohmann::json& line, const char* key) {
  const auto it = line.find(key);
  return it != line.end() && it->is_string();
}

bool hasStringArray(const nlohmann::json& line, const char* key) {
  const auto it = line.find(key);
  if (it == line.end() || !it->is_array()) return false;
  for (const auto& item : *it) {
    if (!item.is_string()) return false;
  }
  return true;
}

// Empty when the object has every audit field with its type.
std::string missingField(const nlohmann::json& line) {
  for (const char* key : {"time", "action", "caller", "cardSerialHash", "outcome", "prev"}) {
    if (!hasString(line, key)) return std::string("field '") + key + "' is missing or not a string";
  }
  const auto practitioner = line.find("practitioner");
  if (practitioner == line.end() || !(practitioner->is_string() || practitioner->is_null())) {
    return "field 'practitioner' is missing or neither a string nor null";
  }
  if (!hasStringArray(line, "fields")) return "field 'fields' is missing or not a list of names";
  if (const auto details = line.find("details"); details != line.end()) {
    if (!details->is_object()) return "field 'details' is not an object";
    for (const auto& item : details->items()) {
      if (!item.value().is_string()) return "field 'details." + item.key() + "' is not a string";
    }
  }
  const auto seq = line.find("seq");
  if (seq == line.end() || !seq->is_number_unsigned() || seq->get<std::uint64_t>() == 0) {
    return "field 'seq' is missing or not a positive integer";
  }
  if (!isLowerHex64(line.at("prev").get<std::string>())) {
    return "field 'prev' is not 64 lower-case hex digits";
  }
  if (const auto mac = line.find("mac"); mac != line.end()) {
    if (!mac->is_string() || !isLowerHex64(mac->get<std::string>())) {
      return "field 'mac' is not 64 lower-case hex digits";
    }
  }
  return {};
}

constexpr std::string_view kMacMember = ",\"mac\":\"";

// The suffix a keyed line ends with: ,"mac":"<mac>"}
std::string macSuffix(std::string_view mac) {
  return std::string(kMacMember) + std::string(mac) + "\"}";
}

bool needsEscaping(std::string_view text) {
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte >= 0x7f || c == '"' || c == '\\') return true;
  }
  return false;
}

// `text` as a JSON string. Plain printable ASCII is copied as is; anything
// else goes through nlohmann's dump: escapes, and bytes that are not UTF-8
// (the caller comes from an HTTP header) become U+FFFD rather than losing
// the line.
void appendJsonString(std::string& out, std::string_view text) {
  if (!needsEscaping(text)) {
    out += '"';
    out += text;
    out += '"';
    return;
  }
  out += nlohmann::json(std::string(text))
             .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// A line that is not JSON, in the verifier's words; parseLine reports the
// error's message as the line's reason.
Error notJson(const base::JsonFault& fault) {
  switch (fault.kind) {
    case base::JsonFaultKind::Syntax:
      return Error(Errc::Internal,
                   "not JSON (syntax error at byte " + std::to_string(fault.byte) + ")");
    case base::JsonFaultKind::NumberOutOfRange:
      // A number such as 1e400 is valid JSON syntax but has no double value.
      return Error(Errc::Internal, "not JSON (a number out of range)");
    default:
      return Error(Errc::Internal, "not JSON (" + fault.message() + ")");
  }
}

// No depth limit: a deeply nested line is reported by its shape (not an
// object, a field missing) like any other malformed line.
constexpr base::JsonParseOptions kLineParse{.maxDepth = std::numeric_limits<int>::max()};

}  // namespace

std::string formatLine(const AuditRecord& record, std::string_view time, std::uint64_t seq,
                       std::string_view prev, const AuditKey* key) {
  // Written member by member: building and dumping a JSON object per line
  // was most of the audit writer's time (docs/performance.md, issue 17).
  // The bytes are those nlohmann's dump gives for the same ordered object
  // (audit_line_test.cpp compares them).
  std::string text;
  text.reserve(320);
  text += "{\"time\":";
  appendJsonString(text, time);
  text += ",\"seq\":";
  text += std::to_string(seq);
  text += ",\"action\":";
  appendJsonString(text, record.action);
  text += ",\"caller\":";
  appendJsonString(text, record.caller);
  text += ",\"practitioner\":";
  if (record.practitioner) {
    appendJsonString(text, *record.practitioner);
  } else {
    text += "null";
  }
  text += ",\"cardSerialHash\":";
  appendJsonString(text, record.cardSerialHash);
  text += ",\"fields\":[";
  for (std::size_t i = 0; i < record.fields.size(); ++i) {
    if (i > 0) text += ',';
    appendJsonString(text, record.fields[i]);
  }
  text += "],\"outcome\":";
  appendJsonString(text, record.outcome);
  if (!record.details.empty()) {
    text += ",\"details\":{";
    bool first = true;
    for (const auto& [name, value] : record.details) {
      if (!first) text += ',';
      first = false;
      appendJsonString(text, name);
      text += ':';
      appendJsonString(text, value);
    }
    text += '}';
  }
  text += ",\"prev\":";
  appendJsonString(text, prev);
  text += '}';
  if (key == nullptr) return text;
  // The MAC covers the line with its closing brace; the MAC member goes last.
  const std::string mac = key->macHex(text);
  text.pop_back();
  text += macSuffix(mac);
  return text;
}

std::string_view macOfFormattedLine(std::string_view line) {
  const std::size_t length = kNoPreviousLine.size();
  return line.substr(line.size() - length - 2, length);  // before the closing "}
}

std::optional<ChainLink> parseLine(std::string_view line, std::string& reason) {
  if (line.empty()) {
    reason = "empty line";
    return std::nullopt;
  }
  nlohmann::json parsed;
  try {
    parsed = base::parseStrictJson(line, kLineParse, notJson);
  } catch (const Error& error) {
    reason = error.what();
    return std::nullopt;
  }
  if (!parsed.is_object()) {
    reason = "not a JSON object";
    return std::nullopt;
  }
  reason = missingField(parsed);
  if (!reason.empty()) return std::nullopt;
  ChainLink link{parsed.at("seq").get<std::uint64_t>(), parsed.at("prev").get<std::string>(), {}};
  if (const auto mac = parsed.find("mac"); mac != parsed.end()) {
    link.mac = mac->get<std::string>();
    // The MAC covers the bytes before it: it must be the last member, written as ours are.
    if (!line.ends_with(macSuffix(*link.mac))) {
      reason = "field 'mac' is not the line's last member";
      return std::nullopt;
    }
  }
  return link;
}

std::string headOf(std::string_view line, const ChainLink& link) {
  return link.mac ? *link.mac : sha256Hex(line);
}

bool macVerifies(std::string_view line, const ChainLink& link, const AuditKey& key) {
  if (!link.mac) return false;
  std::string covered(line.substr(0, line.size() - macSuffix(*link.mac).size()));
  covered.push_back('}');
  const std::string expected = key.macHex(covered);
  return CRYPTO_memcmp(expected.data(), link.mac->data(), expected.size()) == 0;
}

}  // namespace hcbridge::audit
