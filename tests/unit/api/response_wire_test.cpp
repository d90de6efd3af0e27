// The bytes of an answer: what Beast's own parser (as a client would) reads
// back from them, and what never reaches the connection.
#include "response_wire.hpp"

#include <gtest/gtest.h>

#include <boost/beast/http.hpp>

namespace hcbridge::api::detail {
namespace {

namespace http = boost::beast::http;

std::string wireOf(const Response& response, unsigned httpVersion, bool keepAlive) {
  std::string wire;
  responseWire(response, httpVersion, keepAlive, wire);
  return wire;
}

// Parses the whole wire as one response; fails the test when it is not one.
http::response<http::string_body> parseWire(const std::string& wire) {
  http::response_parser<http::string_body> parser;
  parser.eager(true);
  boost::beast::error_code ec;
  const std::size_t used = parser.put(boost::asio::buffer(wire), ec);
  EXPECT_FALSE(ec) << ec.message();
  EXPECT_EQ(used, wire.size()) << "bytes after the response";
  if (!parser.is_done()) parser.put_eof(ec);
  EXPECT_TRUE(parser.is_done());
  return parser.release();
}

TEST(ResponseWire, AnEarlierLongerAnswerInTheBufferLeavesNothingBehind) {
  std::string wire;
  responseWire(jsonResponse(200, std::string(4000, 'x')), 11, true, wire);
  const std::size_t grown = wire.capacity();
  responseWire(jsonResponse(404, "{}"), 11, true, wire);
  EXPECT_EQ(wire, wireOf(jsonResponse(404, "{}"), 11, true));
  EXPECT_EQ(wire.find('x'), std::string::npos);
  EXPECT_EQ(wire.capacity(), grown);  // the buffer is reused, not allocated again
  EXPECT_EQ(parseWire(wire).body(), "{}");
}

TEST(ResponseWire, AJsonAnswerReadsBackWithItsFieldsAndLength) {
  const Response response = jsonResponse(200, R"({"readers":[]})");
  const auto parsed = parseWire(wireOf(response, 11, true));
  EXPECT_EQ(parsed.result_int(), 200);
  EXPECT_EQ(parsed.reason(), "OK");
  EXPECT_EQ(parsed.version(), 11u);
  EXPECT_EQ(parsed.body(), R"({"readers":[]})");
  EXPECT_EQ(parsed[http::field::content_length], "14");
  EXPECT_EQ(parsed[http::field::content_type], "application/json");
  EXPECT_EQ(parsed[http::field::cache_control], "no-store");
  EXPECT_EQ(parsed["X-Content-Type-Options"], "nosniff");
  EXPECT_EQ(parsed[http::field::server], "hcbridge");
  EXPECT_TRUE(parsed.keep_alive());
}

TEST(ResponseWire, ConnectionFollowsTheVersionsDefaults) {
  const Response response = jsonResponse(404, "{}");
  EXPECT_FALSE(parseWire(wireOf(response, 11, false)).keep_alive());
  EXPECT_EQ(parseWire(wireOf(response, 11, false))[http::field::connection], "close");
  const auto http10Kept = parseWire(wireOf(response, 10, true));
  EXPECT_EQ(http10Kept.version(), 10u);
  EXPECT_TRUE(http10Kept.keep_alive());
  EXPECT_FALSE(parseWire(wireOf(response, 10, false)).keep_alive());
  EXPECT_EQ(parseWire(wireOf(response, 10, false)).count(http::field::connection), 0u);
}

TEST(ResponseWire, NoContentAnswersCarryNeitherBodyNorLength) {
  Response preflight;
  preflight.status = 204;
  preflight.body = "ignored";
  const std::string wire = wireOf(preflight, 11, true);
  EXPECT_TRUE(wire.ends_with("\r\n\r\n"));
  EXPECT_EQ(wire.find("Content-Length"), std::string::npos);
  EXPECT_EQ(parseWire(wire).result_int(), 204);
}

TEST(ResponseWire, FieldsThatWouldSplitOrOverrideTheAnswerAreDropped) {
  Response response = jsonResponse(200, "{}");
  response.headers.push_back({"X-Injected", "a\r\nSet-Cookie: stolen=1"});
  response.headers.push_back({"X-Lf", "a\nb"});
  response.headers.push_back({"X-Nul", std::string("a\0b", 3)});
  response.headers.push_back({"Bad Name", "v"});
  response.headers.push_back({"", "v"});
  response.headers.push_back({"content-length", "99999"});
  response.headers.push_back({"Connection", "upgrade"});
  response.headers.push_back({"Transfer-Encoding", "chunked"});
  response.headers.push_back({"Vary", "Origin"});
  const std::string wire = wireOf(response, 11, true);
  EXPECT_EQ(wire.find("stolen"), std::string::npos);
  EXPECT_EQ(wire.find("X-Lf"), std::string::npos);
  EXPECT_EQ(wire.find("X-Nul"), std::string::npos);
  EXPECT_EQ(wire.find("Bad Name"), std::string::npos);
  EXPECT_EQ(wire.find("99999"), std::string::npos);
  EXPECT_EQ(wire.find("upgrade"), std::string::npos);
  EXPECT_EQ(wire.find("chunked"), std::string::npos);
  const auto parsed = parseWire(wire);
  EXPECT_EQ(parsed[http::field::content_length], "2");
  EXPECT_EQ(parsed[http::field::vary], "Origin");
  EXPECT_EQ(parsed.body(), "{}");
}

TEST(ResponseWire, EveryStatusTheApiSendsHasItsReasonPhrase) {
  for (const int status :
       {200, 400, 401, 403, 404, 405, 408, 409, 413, 415, 422, 423, 429, 431, 500, 502, 503, 504}) {
    Response response = jsonResponse(status, "{}");
    const auto parsed = parseWire(wireOf(response, 11, true));
    EXPECT_EQ(parsed.result_int(), static_cast<unsigned>(status));
    EXPECT_FALSE(parsed.reason().empty()) << status;
    EXPECT_NE(parsed.reason(), "<unknown-status>") << status;
  }
}

}  // namespace
}  // namespace hcbridge::api::detail
