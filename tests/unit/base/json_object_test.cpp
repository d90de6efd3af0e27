// The strict JSON object reader: every refusal reaches the consumer's locator
// with its kind and the full key path; strict parsing refuses depth, syntax
// (with the byte) and numbers out of range.
#include "hcbridge/base/json_object.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace hcbridge::base {
namespace {

using nlohmann::json;

// Records every fault it is handed and turns it into BadRequest.
struct RecordingLocator {
  std::vector<JsonFault> faults;
  JsonLocator locator() {
    return [this](const JsonFault& fault) {
      faults.push_back(fault);
      return Error(Errc::BadRequest, "at " + fault.path + ": " + fault.message());
    };
  }
};

// The fault of the one failing call `read`.
template <typename Read>
JsonFault faultOf(Read read) {
  RecordingLocator recorder;
  try {
    read(recorder.locator());
    ADD_FAILURE() << "accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Errc::BadRequest);
    EXPECT_EQ(recorder.faults.size(), 1U);
  }
  return recorder.faults.empty() ? JsonFault{} : recorder.faults.back();
}

TEST(JsonObjectReaderTest, ReadsTypedValues) {
  const json object = R"({"name":"x","on":true,"port":8080,"tags":["a","b"],
                          "limits":{"max_connections":4}})"_json;
  RecordingLocator recorder;
  const JsonObjectReader reader(object, {"name", "on", "port", "tags", "limits", "spare"},
                                recorder.locator());
  EXPECT_EQ(reader.requiredString("name"), "x");
  EXPECT_TRUE(reader.requiredBoolean("on"));
  EXPECT_EQ(reader.requiredInteger("port", 1, 65535), 8080);
  EXPECT_EQ(reader.requiredStringList("tags"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(reader.requiredObject("limits", {"max_connections"})
                .requiredInteger("max_connections", 1, 10),
            4);
  EXPECT_FALSE(reader.optionalString("spare").has_value());
  EXPECT_FALSE(reader.optionalInteger("spare", 0, 1).has_value());
  EXPECT_FALSE(reader.optionalObject("spare", {}).has_value());
  EXPECT_TRUE(reader.boolean("spare", true));
  EXPECT_TRUE(recorder.faults.empty());
}

TEST(JsonObjectReaderTest, NotAnObjectIsRefused) {
  const json array = json::array();
  const auto fault = faultOf([&](JsonLocator locator) { JsonObjectReader(array, {}, locator); });
  EXPECT_EQ(fault.kind, JsonFaultKind::NotObject);
  EXPECT_EQ(fault.path, "");
}

TEST(JsonObjectReaderTest, UnknownKeyIsRefusedWithTheAllowedOnes) {
  const json object = R"({"name":"x","nmae":"y"})"_json;
  const auto fault = faultOf([&](JsonLocator locator) {
    JsonObjectReader(object, {"name", "port"}, locator);
  });
  EXPECT_EQ(fault.kind, JsonFaultKind::UnknownKey);
  EXPECT_EQ(fault.path, "nmae");
  EXPECT_EQ(fault.allowed, (std::vector<std::string>{"name", "port"}));
  EXPECT_EQ(fault.message(), "unknown key 'nmae' (allowed: name, port)");
  EXPECT_EQ(fault.allowedText(), "name, port");
}

TEST(JsonObjectReaderTest, UnknownKeysAreKeptWhenAsked) {
  const json object = R"({"name":"x","extra":1})"_json;
  RecordingLocator recorder;
  const JsonObjectReader reader(object, {"name"}, recorder.locator(),
                                JsonObjectReader::Options{.refuseUnknown = false});
  EXPECT_EQ(reader.requiredString("name"), "x");
  EXPECT_THROW(reader.refuseUnknownKeys(), Error);
  ASSERT_EQ(recorder.faults.size(), 1U);
  EXPECT_EQ(recorder.faults[0].path, "extra");
}

TEST(JsonObjectReaderTest, WrongTypeNamesWhatIsExpected) {
  const json object = R"({"name":1,"on":"yes","port":"80","tags":"a","limits":[]})"_json;
  const std::vector<std::string> keys{"name", "on", "port", "tags", "limits"};
  auto fault = faultOf(
      [&](JsonLocator locator) { JsonObjectReader(object, keys, locator).requiredString("name"); });
  EXPECT_EQ(fault.kind, JsonFaultKind::WrongType);
  EXPECT_EQ(fault.expected, "a string");
  EXPECT_EQ(fault.message(), "'name' must be a string");
  fault = faultOf(
      [&](JsonLocator locator) { JsonObjectReader(object, keys, locator).optionalBoolean("on"); });
  EXPECT_EQ(fault.kind, JsonFaultKind::WrongType);
  EXPECT_EQ(fault.expected, "true or false");
  fault = faultOf([&](JsonLocator locator) {
    JsonObjectReader(object, keys, locator).optionalInteger("port", 1, 65535);
  });
  EXPECT_EQ(fault.kind, JsonFaultKind::WrongType);
  EXPECT_EQ(fault.expected, "a whole number from 1 to 65535");
  fault = faultOf([&](JsonLocator locator) {
    JsonObjectReader(object, keys, locator).optionalStringList("tags");
  });
  EXPECT_EQ(fault.kind, JsonFaultKind::WrongType);
  EXPECT_EQ(fault.expected, "a list of strings");
  fault = faultOf([&](JsonLocator locator) {
    JsonObjectReader(object, keys, locator).requiredObject("limits", {});
  });
  EXPECT_EQ(fault.kind, JsonFaultKind::NotObject);
  EXPECT_EQ(fault.path, "limits");
}

TEST(JsonObjectReaderTest, AFloatIsNotAnInteger) {
  const json object = R"({"port":80.0})"_json;
  const auto fault = faultOf([&](JsonLocator locator) {
    JsonObjectReader(object, {"port"}, locator).requiredInteger("port", 1, 65535);
  });
  EXPECT_EQ(fault.kind, JsonFaultKind::WrongType);
}

TEST(JsonObjectReaderTest, NullIsAWrongTypeUnlessAbsentIsAsked) {
  const json object = R"({"name":null})"_json;
  const auto fault = faultOf([&](JsonLocator locator) {
    JsonObjectReader(object, {"name"}, locator).requiredString("name");
  });
  EXPECT_EQ(fault.kind, JsonFaultKind::WrongType);
  RecordingLocator recorder;
  const JsonObjectReader lenient(object, {"name"}, recorder.locator(),
                                 JsonObjectReader::Options{.nullIsAbsent = true});
  EXPECT_FALSE(lenient.optionalString("name").has_value());
  EXPECT_FALSE(lenient.has("name"));
}

TEST(JsonObjectReaderTest, MissingRequiredKey) {
  const json object = json::object();
  const auto fault = faultOf([&](JsonLocator locator) {
    JsonObjectReader(object, {"name"}, locator).requiredString("name");
  });
  EXPECT_EQ(fault.kind, JsonFaultKind::Missing);
  EXPECT_EQ(fault.key, "name");
  EXPECT_EQ(fault.message(), "the key 'name' is missing");
}

TEST(JsonObjectReaderTest, IntegerRange) {
  const json object =
      R"({"low":0,"high":65536,"huge":18446744073709551615,"negative":-5,"edge":65535})"_json;
  const std::vector<std::string> keys{"low", "high", "huge", "negative", "edge"};
  for (const char* key : {"low", "high", "huge", "negative"}) {
    SCOPED_TRACE(key);
    const auto fault = faultOf([&](JsonLocator locator) {
      JsonObjectReader(object, keys, locator).requiredInteger(key, 1, 65535);
    });
    EXPECT_EQ(fault.kind, JsonFaultKind::OutOfRange);
    EXPECT_EQ(fault.min, 1);
    EXPECT_EQ(fault.max, 65535);
    EXPECT_EQ(fault.path, key);
  }
  RecordingLocator recorder;
  EXPECT_EQ(JsonObjectReader(object, keys, recorder.locator()).requiredInteger("edge", 1, 65535),
            65535);
  EXPECT_EQ(JsonObjectReader(object, keys, recorder.locator()).requiredInteger("negative", -5, 0),
            -5);
}

TEST(JsonObjectReaderTest, NestedPathGrowsInTheFault) {
  const json object = R"({"limits":{"max_connections":0,"sub":{"deep":true}}})"_json;
  auto fault = faultOf([&](JsonLocator locator) {
    JsonObjectReader(object, {"limits"}, locator)
        .requiredObject("limits", {"max_connections", "sub"})
        .requiredInteger("max_connections", 1, 100);
  });
  EXPECT_EQ(fault.kind, JsonFaultKind::OutOfRange);
  EXPECT_EQ(fault.path, "limits.max_connections");
  EXPECT_EQ(fault.key, "max_connections");
  EXPECT_EQ(fault.message(), "'limits.max_connections' must be from 1 to 100");
  // Unknown keys of a nested object carry the path too.
  fault = faultOf([&](JsonLocator locator) {
    JsonObjectReader(object, {"limits"}, locator)
        .requiredObject("limits", {"max_connections", "sub"})
        .requiredObject("sub", {"shallow"});
  });
  EXPECT_EQ(fault.kind, JsonFaultKind::UnknownKey);
  EXPECT_EQ(fault.path, "limits.sub.deep");
  EXPECT_EQ(fault.key, "deep");
}

TEST(JsonObjectReaderTest, AReaderStartsAtAGivenPath) {
  const json object = R"({"fid":"3F","sub":{"x":1}})"_json;
  RecordingLocator recorder;
  const JsonObjectReader reader(object, {"fid", "sub"}, recorder.locator(), {}, "cards[2]");
  EXPECT_EQ(reader.path(), "cards[2]");
  EXPECT_EQ(reader.pathOf("fid"), "cards[2].fid");
  auto fault = faultOf([&](JsonLocator locator) {
    JsonObjectReader(object, {"fid", "sub"}, locator, {}, "cards[2]").requiredInteger("fid", 0, 1);
  });
  EXPECT_EQ(fault.kind, JsonFaultKind::WrongType);
  EXPECT_EQ(fault.path, "cards[2].fid");
  EXPECT_EQ(fault.key, "fid");
  fault = faultOf([&](JsonLocator locator) {
    JsonObjectReader(object, {"fid", "sub"}, locator, {}, "cards[2]").requiredObject("sub", {});
  });
  EXPECT_EQ(fault.kind, JsonFaultKind::UnknownKey);
  EXPECT_EQ(fault.path, "cards[2].sub.x");
  fault = faultOf([&](JsonLocator locator) {
    JsonObjectReader(json::array(), {}, locator, {}, "cards[2].files[0]");
  });
  EXPECT_EQ(fault.kind, JsonFaultKind::NotObject);
  EXPECT_EQ(fault.path, "cards[2].files[0]");
}

TEST(JsonObjectReaderTest, FreeKeysAreNeitherRefusedNorListed) {
  const json object = R"({"name":"x","comment":"why","_draft":true,"sub":{"_n":1}})"_json;
  const JsonObjectReader::Options options{
      .freeKey = [](std::string_view key) { return key == "comment" || key.starts_with('_'); }};
  RecordingLocator recorder;
  const JsonObjectReader reader(object, {"name", "sub"}, recorder.locator(), options);
  EXPECT_EQ(reader.requiredString("name"), "x");
  EXPECT_NO_THROW(reader.requiredObject("sub", {}));  // nested readers keep the options
  EXPECT_TRUE(recorder.faults.empty());
  const json misspelt = R"({"comment":"why","nmae":"x"})"_json;
  const auto fault =
      faultOf([&](JsonLocator locator) { JsonObjectReader(misspelt, {"name"}, locator, options); });
  EXPECT_EQ(fault.kind, JsonFaultKind::UnknownKey);
  EXPECT_EQ(fault.path, "nmae");
  EXPECT_EQ(fault.allowedText(), "name");
}

TEST(JsonObjectReaderTest, AnIntegerOfTheWrongTypeCarriesTheRange) {
  const json object = R"({"tries":"3"})"_json;
  const auto fault = faultOf([&](JsonLocator locator) {
    JsonObjectReader(object, {"tries"}, locator).requiredInteger("tries", 1, 15);
  });
  EXPECT_EQ(fault.kind, JsonFaultKind::WrongType);
  EXPECT_EQ(fault.min, 1);
  EXPECT_EQ(fault.max, 15);
}

TEST(JsonObjectReaderTest, StringListElementPath) {
  const json object = R"({"tags":["a",2]})"_json;
  const auto fault = faultOf([&](JsonLocator locator) {
    JsonObjectReader(object, {"tags"}, locator).requiredStringList("tags");
  });
  EXPECT_EQ(fault.kind, JsonFaultKind::WrongType);
  EXPECT_EQ(fault.path, "tags[1]");
  EXPECT_EQ(fault.key, "tags");
}

TEST(JsonObjectReaderTest, TheLocatorMakesTheError) {
  const json object = R"({"name":1})"_json;
  int calls = 0;
  const JsonLocator locator = [&calls](const JsonFault& fault) {
    ++calls;
    return Error(Errc::ProfileInvalid, "profile p: " + fault.path);
  };
  try {
    JsonObjectReader(object, {"name"}, locator).requiredString("name");
    ADD_FAILURE() << "accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Errc::ProfileInvalid);
    EXPECT_EQ(std::string(e.what()).find("profile p: name"), 0U) << e.what();
  }
  EXPECT_EQ(calls, 1);
}

TEST(StrictJsonTest, ParsesSoundJson) {
  RecordingLocator recorder;
  const auto value = parseStrictJson(R"({"a":[1,[2,[3]]]})", {}, recorder.locator());
  EXPECT_EQ(value["a"][1][1][0], 3);
}

TEST(StrictJsonTest, DepthIsLimitedWhileParsing) {
  RecordingLocator recorder;
  EXPECT_NO_THROW(parseStrictJson("[[[[1]]]]", {.maxDepth = 4}, recorder.locator()));
  const auto fault = faultOf(
      [&](JsonLocator locator) { parseStrictJson("[[[[[1]]]]]", {.maxDepth = 4}, locator); });
  EXPECT_EQ(fault.kind, JsonFaultKind::TooDeep);
  EXPECT_EQ(fault.maxDepth, 4);
  EXPECT_THROW(parseStrictJson(std::string(100000, '['), {}, recorder.locator()), Error);
}

TEST(StrictJsonTest, SyntaxErrorCarriesTheByte) {
  const auto fault =
      faultOf([&](JsonLocator locator) { parseStrictJson(R"({"a":})", {}, locator); });
  EXPECT_EQ(fault.kind, JsonFaultKind::Syntax);
  EXPECT_EQ(fault.byte, 6U);
  EXPECT_EQ(fault.message(), "not valid JSON (byte 6)");
}

TEST(StrictJsonTest, ANumberOutOfRangeIsRefused) {
  const auto fault =
      faultOf([&](JsonLocator locator) { parseStrictJson(R"({"x":1e400})", {}, locator); });
  EXPECT_EQ(fault.kind, JsonFaultKind::NumberOutOfRange);
  EXPECT_NE(fault.reason.find("number overflow"), std::string::npos) << fault.reason;
}

TEST(StrictJsonTest, CommentsOnlyWhenAsked) {
  const std::string text = "{\n// why\n\"a\": 1}";
  const auto fault = faultOf([&](JsonLocator locator) { parseStrictJson(text, {}, locator); });
  EXPECT_EQ(fault.kind, JsonFaultKind::Syntax);
  EXPECT_NE(fault.reason.find("parse error"), std::string::npos) << fault.reason;
  RecordingLocator recorder;
  EXPECT_EQ(parseStrictJson(text, {.ignoreComments = true}, recorder.locator())["a"], 1);
}

TEST(StrictJsonTest, OrderedKeepsTheKeyOrder) {
  RecordingLocator recorder;
  const auto value = parseStrictOrderedJson(R"({"z":1,"a":2})", {}, recorder.locator());
  EXPECT_EQ(value.begin().key(), "z");
  EXPECT_THROW(parseStrictOrderedJson("[[[1]]]", {.maxDepth = 2}, recorder.locator()), Error);
  ASSERT_EQ(recorder.faults.size(), 1U);
  EXPECT_EQ(recorder.faults[0].kind, JsonFaultKind::TooDeep);
}

}  // namespace
}  // namespace hcbridge::base
