// One strict reader for JSON objects from outside the program (API request
// bodies, tokens and assertions, the daemon config, simulator profiles):
// refuses a non-object, keys it does not know, a value of the wrong type or
// out of range, and a missing required key. Every refusal is a JsonFault
// handed to the consumer's locator, which turns it into the consumer's own
// hcbridge::Error (its code, its wording, where the key sits: an endpoint,
// a file and line, a profile name); the reader throws what it returns.
//
// parseStrictJson is the one parse in front of it: depth limit checked while
// parsing, syntax errors with their byte offset, numbers out of range (1e400).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hcbridge/error.hpp"

namespace hcbridge::base {

enum class JsonFaultKind {
  NotObject,         // the value read as an object is not one
  UnknownKey,        // a key not among the allowed ones
  Missing,           // a required key is absent
  WrongType,         // present, of another type than `expected`
  OutOfRange,        // an integer outside [min, max]
  TooDeep,           // parseStrictJson: nested deeper than `maxDepth`
  Syntax,            // parseStrictJson: not JSON; `byte` is where it failed
  NumberOutOfRange,  // parseStrictJson: a number with no double value (1e400)
};

struct JsonFault {
  JsonFaultKind kind = JsonFaultKind::Syntax;
  // Dotted path of the key at fault from the root object:
  // "limits.max_connections", "readers[2]"; empty for the root itself.
  std::string path;
  // The last key of the path (what to look up in a file); empty for the root.
  std::string key;
  // WrongType/OutOfRange/NotObject: what the value must be, e.g. "a string",
  // "true or false", "a whole number from 1 to 65535", "a list of strings".
  std::string expected;
  std::vector<std::string> allowed;  // UnknownKey: the keys the object may have
  // OutOfRange, and WrongType from an integer getter: the range asked for.
  std::int64_t min = 0;
  std::int64_t max = 0;
  int maxDepth = 0;                  // TooDeep
  std::size_t byte = 0;              // Syntax
  // Syntax/NumberOutOfRange: nlohmann's own text, e.g. "[json.exception.
  // parse_error.101] parse error at line 1, column 6: syntax error ...".
  std::string reason;

  // A plain English sentence, for consumers without wording of their own:
  // "unknown key 'x' (allowed: a, b)", "'limits.port' must be a string".
  std::string message() const;
  // UnknownKey: the allowed keys as "a, b, c".
  std::string allowedText() const;
};

// Turns a fault into the consumer's error; the reader throws the result.
using JsonLocator = std::function<Error(const JsonFault&)>;

struct JsonParseOptions {
  int maxDepth = 64;            // objects and arrays nested deeper are refused while parsing
  bool ignoreComments = false;  // allow // and /* */ comments (files people edit)
};

// Parses a whole document strictly; every failure goes through `locator`
// (kinds TooDeep, Syntax, NumberOutOfRange).
nlohmann::json parseStrictJson(std::string_view text, const JsonParseOptions& options,
                               const JsonLocator& locator);
// The same, keeping the order of the keys (files rewritten for people).
nlohmann::ordered_json parseStrictOrderedJson(std::string_view text,
                                              const JsonParseOptions& options,
                                              const JsonLocator& locator);

class JsonObjectReader {
 public:
  struct Options {
    // Refuse keys outside `allowed` at construction. Tokens keep it off:
    // claims may carry more than hcbridge reads.
    bool refuseUnknown = true;
    // A null value reads as an absent key (API bodies); otherwise null is a
    // value of the wrong type.
    bool nullIsAbsent = false;
    // Keys the refusal lets through, unlisted (free text in files people
    // edit: sim profiles allow "comment" and any "_name"); null for none.
    bool (*freeKey)(std::string_view key) = nullptr;
  };

  // Throws the locator's error for NotObject and, with refuseUnknown,
  // UnknownKey. The reader keeps a reference to `object` (it must outlive
  // the reader) and a copy of `locator`.
  JsonObjectReader(const nlohmann::json& object, std::vector<std::string> allowed,
                   JsonLocator locator, Options options);
  JsonObjectReader(const nlohmann::json& object, std::vector<std::string> allowed,
                   JsonLocator locator)
      : JsonObjectReader(object, std::move(allowed), std::move(locator), Options{}) {}
  // A reader of an object that sits at `path` in a larger document (an array
  // element: "mf.children[2]"); its faults and pathOf() start from there.
  JsonObjectReader(const nlohmann::json& object, std::vector<std::string> allowed,
                   JsonLocator locator, Options options, std::string path);

  // The first key outside `allowed` (and not free), refused (what the
  // constructor does with refuseUnknown).
  void refuseUnknownKeys() const;

  bool has(std::string_view key) const;
  const std::string& path() const { return path_; }
  // The path of a key of this object: "limits.max_connections".
  std::string pathOf(std::string_view key) const;
  // Refuses as the reader would, for checks of the consumer's own
  // ("WrongType at this key"); never returns.
  [[noreturn]] void fail(JsonFault fault) const;

  const std::string& requiredString(std::string_view key) const;
  std::optional<std::string> optionalString(std::string_view key) const;

  bool requiredBoolean(std::string_view key) const;
  std::optional<bool> optionalBoolean(std::string_view key) const;
  bool boolean(std::string_view key, bool fallback) const {
    return optionalBoolean(key).value_or(fallback);
  }

  // A JSON integer (not 1.0) in [min, max]; WrongType otherwise, OutOfRange
  // for an integer outside (both faults carry min and max).
  std::int64_t requiredInteger(std::string_view key, std::int64_t min, std::int64_t max) const;
  std::optional<std::int64_t> optionalInteger(std::string_view key, std::int64_t min,
                                              std::int64_t max) const;

  // An array of strings; an element of another type is WrongType at "key[i]".
  std::vector<std::string> requiredStringList(std::string_view key) const;
  std::optional<std::vector<std::string>> optionalStringList(std::string_view key) const;

  // The object under `key`, read with the same locator and options; its
  // faults carry the grown path ("limits.max_connections").
  JsonObjectReader requiredObject(std::string_view key, std::vector<std::string> allowed) const;
  std::optional<JsonObjectReader> optionalObject(std::string_view key,
                                                 std::vector<std::string> allowed) const;

  // The raw value, for shapes the getters do not cover; null when absent.
  const nlohmann::json* find(std::string_view key) const;

 private:
  const nlohmann::json* present(std::string_view key) const;  // honours nullIsAbsent
  const nlohmann::json& required(std::string_view key) const;
  [[noreturn]] void wrongType(std::string_view key, std::string expected) const;
  std::int64_t integerIn(std::string_view key, const nlohmann::json& value, std::int64_t min,
                         std::int64_t max) const;
  std::vector<std::string> stringList(std::string_view key, const nlohmann::json& value) const;

  const nlohmann::json& object_;
  std::vector<std::string> allowed_;
  JsonLocator locator_;
  Options options_;
  std::string path_;  // of this object; empty for the root
};

}  // namespace hcbridge::base
