#include "hcbridge/base/json_object.hpp"

#include <algorithm>
#include <limits>

namespace hcbridge::base {
namespace {

struct TooDeep {};

std::string quoted(const std::string& path) {
  return "'" + path + "'";
}

}  // namespace

std::string JsonFault::message() const {
  switch (kind) {
    case JsonFaultKind::NotObject:
      return (path.empty() ? std::string("the document") : quoted(path)) + " must be " +
             (expected.empty() ? "a JSON object" : expected);
    case JsonFaultKind::UnknownKey:
      return "unknown key " + quoted(path) + " (allowed: " + allowedText() + ")";
    case JsonFaultKind::Missing:
      return "the key " + quoted(path) + " is missing";
    case JsonFaultKind::WrongType:
      return quoted(path) + " must be " + expected;
    case JsonFaultKind::OutOfRange:
      return quoted(path) + " must be from " + std::to_string(min) + " to " + std::to_string(max);
    case JsonFaultKind::TooDeep:
      return "nested deeper than " + std::to_string(maxDepth) + " levels";
    case JsonFaultKind::Syntax:
      return "not valid JSON (byte " + std::to_string(byte) + ")";
    case JsonFaultKind::NumberOutOfRange:
      return "a number out of range";
  }
  return "invalid JSON";
}

namespace {

template <typename Json>
Json parseStrict(std::string_view text, const JsonParseOptions& options,
                 const JsonLocator& locator) {
  const int maxDepth = options.maxDepth;
  // The callback sees every value as it is parsed; throwing stops the
  // parser before a deeply nested document costs memory.
  auto depthGuard = [maxDepth](int depth, typename Json::parse_event_t event, Json&) {
    if ((event == Json::parse_event_t::object_start || event == Json::parse_event_t::array_start) &&
        depth >= maxDepth) {
      throw TooDeep{};
    }
    return true;
  };
  JsonFault fault;
  try {
    return Json::parse(text.begin(), text.end(), depthGuard, true, options.ignoreComments);
  } catch (const TooDeep&) {
    fault.kind = JsonFaultKind::TooDeep;
    fault.maxDepth = maxDepth;
  } catch (const nlohmann::json::parse_error& e) {
    fault.kind = JsonFaultKind::Syntax;
    fault.byte = e.byte;
    fault.reason = e.what();
  } catch (const nlohmann::json::out_of_range& e) {
    // Valid syntax, but a number such as 1e400 has no double value.
    fault.kind = JsonFaultKind::NumberOutOfRange;
    fault.reason = e.what();
  }
  throw locator(fault);
}

}  // namespace

std::string JsonFault::allowedText() const {
  std::string text;
  for (const auto& name : allowed) text += (text.empty() ? "" : ", ") + name;
  return text;
}

nlohmann::json parseStrictJson(std::string_view text, const JsonParseOptions& options,
                               const JsonLocator& locator) {
  return parseStrict<nlohmann::json>(text, options, locator);
}

nlohmann::ordered_json parseStrictOrderedJson(std::string_view text,
                                              const JsonParseOptions& options,
                                              const JsonLocator& locator) {
  return parseStrict<nlohmann::ordered_json>(text, options, locator);
}

JsonObjectReader::JsonObjectReader(const nlohmann::json& object, std::vector<std::string> allowed,
                                   JsonLocator locator, Options options)
    : JsonObjectReader(object, std::move(allowed), std::move(locator), options, std::string()) {}

JsonObjectReader::JsonObjectReader(const nlohmann::json& object, std::vector<std::string> allowed,
                                   JsonLocator locator, Options options, std::string path)
    : object_(object),
      allowed_(std::move(allowed)),
      locator_(std::move(locator)),
      options_(options),
      path_(std::move(path)) {
  if (!object_.is_object()) {
    JsonFault fault;
    fault.kind = JsonFaultKind::NotObject;
    fault.path = path_;
    const auto dot = path_.find_last_of('.');
    fault.key = dot == std::string::npos ? path_ : path_.substr(dot + 1);
    fault.expected = "a JSON object";
    fault.allowed = allowed_;
    throw locator_(fault);
  }
  if (options_.refuseUnknown) refuseUnknownKeys();
}

void JsonObjectReader::refuseUnknownKeys() const {
  for (const auto& item : object_.items()) {
    if (options_.freeKey != nullptr && options_.freeKey(item.key())) continue;
    if (std::find(allowed_.begin(), allowed_.end(), item.key()) == allowed_.end()) {
      JsonFault fault;
      fault.kind = JsonFaultKind::UnknownKey;
      fault.key = item.key();
      fault.path = pathOf(item.key());
      fault.allowed = allowed_;
      throw locator_(fault);
    }
  }
}

std::string JsonObjectReader::pathOf(std::string_view key) const {
  return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

void JsonObjectReader::fail(JsonFault fault) const {
  throw locator_(fault);
}

bool JsonObjectReader::has(std::string_view key) const {
  return present(key) != nullptr;
}

const nlohmann::json* JsonObjectReader::find(std::string_view key) const {
  const auto it = object_.find(key);
  return it == object_.end() ? nullptr : &*it;
}

const nlohmann::json* JsonObjectReader::present(std::string_view key) const {
  const auto* value = find(key);
  if (value != nullptr && options_.nullIsAbsent && value->is_null()) return nullptr;
  return value;
}

const nlohmann::json& JsonObjectReader::required(std::string_view key) const {
  const auto* value = present(key);
  if (value == nullptr) {
    JsonFault fault;
    fault.kind = JsonFaultKind::Missing;
    fault.key = std::string(key);
    fault.path = pathOf(key);
    throw locator_(fault);
  }
  return *value;
}

void JsonObjectReader::wrongType(std::string_view key, std::string expected) const {
  JsonFault fault;
  fault.kind = JsonFaultKind::WrongType;
  fault.key = std::string(key);
  fault.path = pathOf(key);
  fault.expected = std::move(expected);
  throw locator_(fault);
}

const std::string& JsonObjectReader::requiredString(std::string_view key) const {
  const auto& value = required(key);
  if (!value.is_string()) wrongType(key, "a string");
  return value.get_ref<const std::string&>();
}

std::optional<std::string> JsonObjectReader::optionalString(std::string_view key) const {
  if (!has(key)) return std::nullopt;
  return requiredString(key);
}

bool JsonObjectReader::requiredBoolean(std::string_view key) const {
  const auto& value = required(key);
  if (!value.is_boolean()) wrongType(key, "true or false");
  return value.get<bool>();
}

std::optional<bool> JsonObjectReader::optionalBoolean(std::string_view key) const {
  if (!has(key)) return std::nullopt;
  return requiredBoolean(key);
}

std::int64_t JsonObjectReader::integerIn(std::string_view key, const nlohmann::json& value,
                                         std::int64_t min, std::int64_t max) const {
  const std::string expected =
      "a whole number from " + std::to_string(min) + " to " + std::to_string(max);
  JsonFault fault;
  fault.key = std::string(key);
  fault.path = pathOf(key);
  fault.expected = expected;
  fault.min = min;
  fault.max = max;
  if (!value.is_number_integer()) {
    fault.kind = JsonFaultKind::WrongType;
    throw locator_(fault);
  }
  bool inRange = false;
  std::int64_t number = 0;
  if (value.is_number_unsigned()) {
    const auto unsignedValue = value.get<std::uint64_t>();
    if (unsignedValue <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      number = static_cast<std::int64_t>(unsignedValue);
      inRange = number >= min && number <= max;
    }
  } else {
    number = value.get<std::int64_t>();
    inRange = number >= min && number <= max;
  }
  if (!inRange) {
    fault.kind = JsonFaultKind::OutOfRange;
    throw locator_(fault);
  }
  return number;
}

std::int64_t JsonObjectReader::requiredInteger(std::string_view key, std::int64_t min,
                                               std::int64_t max) const {
  return integerIn(key, required(key), min, max);
}

std::optional<std::int64_t> JsonObjectReader::optionalInteger(std::string_view key,
                                                              std::int64_t min,
                                                              std::int64_t max) const {
  const auto* value = present(key);
  if (value == nullptr) return std::nullopt;
  return integerIn(key, *value, min, max);
}

std::vector<std::string> JsonObjectReader::stringList(std::string_view key,
                                                      const nlohmann::json& value) const {
  if (!value.is_array()) wrongType(key, "a list of strings");
  std::vector<std::string> strings;
  strings.reserve(value.size());
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (!value[i].is_string()) {
      JsonFault fault;
      fault.kind = JsonFaultKind::WrongType;
      fault.key = std::string(key);
      fault.path = pathOf(key) + "[" + std::to_string(i) + "]";
      fault.expected = "a string";
      throw locator_(fault);
    }
    strings.push_back(value[i].get<std::string>());
  }
  return strings;
}

std::vector<std::string> JsonObjectReader::requiredStringList(std::string_view key) const {
  return stringList(key, required(key));
}

std::optional<std::vector<std::string>> JsonObjectReader::optionalStringList(
    std::string_view key) const {
  const auto* value = present(key);
  if (value == nullptr) return std::nullopt;
  return stringList(key, *value);
}

JsonObjectReader JsonObjectReader::requiredObject(std::string_view key,
                                                  std::vector<std::string> allowed) const {
  return JsonObjectReader(required(key), std::move(allowed), locator_, options_, pathOf(key));
}

std::optional<JsonObjectReader> JsonObjectReader::optionalObject(
    std::string_view key, std::vector<std::string> allowed) const {
  if (!has(key)) return std::nullopt;
  return requiredObject(key, std::move(allowed));
}

}  // namespace hcbridge::base
