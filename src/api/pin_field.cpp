#include "pin_field.hpp"

#include <cstdint>
#include <string_view>

#include "hcbridge/error.hpp"

namespace hcbridge::api {
namespace {

constexpr std::string_view kPinKey = "pin";

Error malformed(std::size_t byte) {
  return Error(Errc::BadRequest,
               "the body is not valid JSON (byte " + std::to_string(byte + 1) + ")",
               "send a JSON document with Content-Type: application/json");
}

// Wipes a decoded value however the scan ends; the value is reserved
// up front so that it never reallocates (a reallocation would leave a copy).
struct WipedText {
  std::string text;
  ~WipedText() { wipeString(text); }
};

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void appendUtf8(std::string& out, std::uint32_t code) {
  if (code < 0x80) {
    out += static_cast<char>(code);
  } else if (code < 0x800) {
    out += static_cast<char>(0xC0 | (code >> 6));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else if (code < 0x10000) {
    out += static_cast<char>(0xE0 | (code >> 12));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (code >> 18));
    out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  }
}

// One pass over the top-level object: strings are read whole (so a '{' or
// "pin" inside a string is never mistaken for structure), brackets only
// counted. In valid JSON a string at depth 1 right after '{' or ',' is a
// key; anything else the JSON parser that runs next refuses. Every index is
// checked against the end: no read past the body.
class PinScanner {
 public:
  explicit PinScanner(std::string& body) : body_(body) {}

  std::optional<SecretBytes> run() {
    skipSpace();
    if (atEnd() || body_[pos_] != '{') return std::nullopt;  // BodyFields refuses a non-object
    ++pos_;
    std::size_t depth = 1;
    bool expectKey = true;
    bool seen = false;
    std::optional<SecretBytes> pin;
    while (!atEnd() && depth > 0) {
      const char c = body_[pos_];
      if (c == '"' && depth == 1 && expectKey) {
        expectKey = false;
        WipedText key;
        readString(&key.text);
        skipSpace();
        if (atEnd() || body_[pos_] != ':') throw malformed(pos_);
        ++pos_;
        if (key.text != kPinKey) continue;
        if (seen) {
          throw Error(Errc::BadRequest, "the field 'pin' is given twice",
                      "send the PIN once, as a string of digits");
        }
        seen = true;
        pin = takeValue();
        continue;
      }
      if (c == '"') {
        readString(nullptr);
        continue;
      }
      if (c == '{' || c == '[') ++depth;
      if (c == '}' || c == ']') --depth;
      if (c == ',' && depth == 1) expectKey = true;
      ++pos_;
    }
    return pin;
  }

 private:
  bool atEnd() const { return pos_ >= body_.size(); }

  void skipSpace() {
    while (!atEnd() && (body_[pos_] == ' ' || body_[pos_] == '\t' || body_[pos_] == '\n' ||
                        body_[pos_] == '\r')) {
      ++pos_;
    }
  }

  // The value after "pin":, its characters in the body replaced by '*'.
  std::optional<SecretBytes> takeValue() {
    skipSpace();
    if (body_.compare(pos_, 4, "null") == 0) {
      pos_ += 4;
      return std::nullopt;
    }
    if (atEnd() || body_[pos_] != '"') {
      throw Error(Errc::BadRequest, "the field 'pin' must be a string",
                  "send the PIN as a JSON string of 4 to 12 digits");
    }
    const std::size_t open = pos_;
    WipedText value;
    value.text.reserve(body_.size() - pos_);  // decoding never grows a string
    readString(&value.text);
    const std::size_t close = pos_ - 1;
    for (std::size_t i = open + 1; i < close; ++i) body_[i] = '*';
    return SecretBytes(std::string_view(value.text));
  }

  // The string starting at pos_ (its opening quote), decoded into `out`
  // when given; pos_ ends after the closing quote.
  void readString(std::string* out) {
    ++pos_;
    while (true) {
      if (atEnd()) throw malformed(pos_);
      const char c = body_[pos_];
      if (c == '"') {
        ++pos_;
        return;
      }
      if (static_cast<unsigned char>(c) < 0x20) throw malformed(pos_);
      if (c != '\\') {
        if (out) *out += c;
        ++pos_;
        continue;
      }
      ++pos_;
      if (atEnd()) throw malformed(pos_);
      const char escaped = body_[pos_++];
      char plain = 0;
      switch (escaped) {
        case '"':
        case '\\':
        case '/':
          plain = escaped;
          break;
        case 'b':
          plain = '\b';
          break;
        case 'f':
          plain = '\f';
          break;
        case 'n':
          plain = '\n';
          break;
        case 'r':
          plain = '\r';
          break;
        case 't':
          plain = '\t';
          break;
        case 'u': {
          const std::uint32_t code = readCodePoint();
          if (out) appendUtf8(*out, code);
          continue;
        }
        default:
          throw malformed(pos_ - 1);
      }
      if (out) *out += plain;
    }
  }

  // After "\u": four hex digits, and for a high surrogate the "\uXXXX" of
  // its low one (JSON's UTF-16 escapes; a lone surrogate is refused, as
  // the JSON parser refuses it).
  std::uint32_t readCodePoint() {
    std::uint32_t code = readHex4();
    if (code >= 0xDC00 && code <= 0xDFFF) throw malformed(pos_ - 4);
    if (code >= 0xD800 && code <= 0xDBFF) {
      if (body_.compare(pos_, 2, "\\u") != 0) throw malformed(pos_);
      pos_ += 2;
      const std::uint32_t low = readHex4();
      if (low < 0xDC00 || low > 0xDFFF) throw malformed(pos_ - 4);
      code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
    }
    return code;
  }

  std::uint32_t readHex4() {
    if (body_.size() - pos_ < 4) throw malformed(pos_);
    std::uint32_t code = 0;
    for (int i = 0; i < 4; ++i) {
      const int digit = hexValue(body_[pos_]);
      if (digit < 0) throw malformed(pos_);
      code = (code << 4) | static_cast<std::uint32_t>(digit);
      ++pos_;
    }
    return code;
  }

  std::string& body_;
  std::size_t pos_ = 0;
};

}  // namespace

std::optional<SecretBytes> takePinField(std::string& body) {
  return PinScanner(body).run();
}

BodyWithPin parseBodyTakingPin(std::string_view body, const Limits& limits) {
  if (body.empty()) return {};
  WipedText text;
  text.text.assign(body);
  BodyWithPin result;
  try {
    result.pin = takePinField(text.text);
  } catch (const Error&) {
    result.pinError = std::current_exception();
    return result;
  }
  result.json = parseJsonBody(text.text, limits);
  return result;
}

std::optional<SecretBytes> BodyWithPin::takePin() {
  if (pinError) std::rethrow_exception(pinError);
  return std::move(pin);
}

}  // namespace hcbridge::api
