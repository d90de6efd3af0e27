#include <gtest/gtest.h>

#include "expect_error.hpp"
#include "hcbridge/apdu.hpp"

namespace hcbridge::apdu {
namespace {

CommandApdu make(Bytes data, std::optional<std::size_t> ne) {
  CommandApdu c;
  c.cla = 0x00;
  c.ins = 0xB0;
  c.p1 = 0x81;
  c.p2 = 0x02;
  c.data = std::move(data);
  c.ne = ne;
  return c;
}

Bytes filled(std::size_t n) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(i * 7 + 1);
  return b;
}

Bytes concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

void expectSame(const CommandApdu& a, const CommandApdu& b) {
  EXPECT_EQ(a.cla, b.cla);
  EXPECT_EQ(a.ins, b.ins);
  EXPECT_EQ(a.p1, b.p1);
  EXPECT_EQ(a.p2, b.p2);
  EXPECT_EQ(a.data, b.data);
  EXPECT_EQ(a.ne, b.ne);
}

const Bytes kHeader{0x00, 0xB0, 0x81, 0x02};

// One encoding per case and form, with the structure it stands for.
struct Vector {
  const char* name;
  CommandApdu apdu;
  Bytes encoded;
  int isoCase;
  bool extended;
};

std::vector<Vector> vectors() {
  return {
      {"1", make({}, std::nullopt), kHeader, 1, false},
      {"2S", make({}, 0x10), concat({kHeader, {0x10}}), 2, false},
      {"2S Ne 1", make({}, 1), concat({kHeader, {0x01}}), 2, false},
      {"2S Ne 256", make({}, 256), concat({kHeader, {0x00}}), 2, false},
      {"3S", make({0xAA, 0xBB}, std::nullopt), concat({kHeader, {0x02, 0xAA, 0xBB}}), 3, false},
      {"3S Nc 255", make(filled(255), std::nullopt), concat({kHeader, {0xFF}, filled(255)}), 3,
       false},
      {"4S", make({0xAA}, 0x20), concat({kHeader, {0x01, 0xAA, 0x20}}), 4, false},
      {"4S Ne 256", make({0xAA}, 256), concat({kHeader, {0x01, 0xAA, 0x00}}), 4, false},
      {"4S Nc 255", make(filled(255), 256), concat({kHeader, {0xFF}, filled(255), {0x00}}), 4,
       false},
      {"2E Ne 257", make({}, 257), concat({kHeader, {0x00, 0x01, 0x01}}), 2, true},
      {"2E Ne 65535", make({}, 65535), concat({kHeader, {0x00, 0xFF, 0xFF}}), 2, true},
      {"2E Ne 65536", make({}, 65536), concat({kHeader, {0x00, 0x00, 0x00}}), 2, true},
      {"3E Nc 256", make(filled(256), std::nullopt),
       concat({kHeader, {0x00, 0x01, 0x00}, filled(256)}), 3, true},
      {"3E Nc 65535", make(filled(65535), std::nullopt),
       concat({kHeader, {0x00, 0xFF, 0xFF}, filled(65535)}), 3, true},
      {"4E Nc 256", make(filled(256), 0x10),
       concat({kHeader, {0x00, 0x01, 0x00}, filled(256), {0x00, 0x10}}), 4, true},
      {"4E Ne 65536", make({0x01, 0x02}, 65536),
       concat({kHeader, {0x00, 0x00, 0x02, 0x01, 0x02, 0x00, 0x00}}), 4, true},
      {"4E Ne 257", make({0x01}, 257), concat({kHeader, {0x00, 0x00, 0x01, 0x01, 0x01, 0x01}}), 4,
       true},
  };
}

TEST(CommandApdu, EncodesAndParsesEveryCase) {
  for (const Vector& v : vectors()) {
    SCOPED_TRACE(v.name);
    EXPECT_EQ(v.apdu.isoCase(), v.isoCase);
    EXPECT_EQ(v.apdu.needsExtended(), v.extended);
    EXPECT_EQ(v.apdu.encode(), v.encoded);
    const CommandApdu parsed = CommandApdu::parse(v.encoded);
    expectSame(parsed, v.apdu);
    EXPECT_EQ(parsed.encode(), v.encoded);
  }
}

TEST(CommandApdu, HeaderFieldsAreKept) {
  CommandApdu c;
  c.cla = 0x8C;
  c.ins = 0x2A;
  c.p1 = 0x9E;
  c.p2 = 0x9A;
  c.data = {0x01};
  c.ne = 256;
  EXPECT_EQ(c.encode(), (Bytes{0x8C, 0x2A, 0x9E, 0x9A, 0x01, 0x01, 0x00}));
  expectSame(CommandApdu::parse(c.encode()), c);
}

TEST(CommandApdu, SelectEgkRootByAid) {
  // SELECT MF of the eGK by its application identifier D2 76 00 01 44 80 00.
  const Bytes raw{0x00, 0xA4, 0x04, 0x0C, 0x07, 0xD2, 0x76, 0x00, 0x01, 0x44, 0x80, 0x00};
  const CommandApdu c = CommandApdu::parse(raw);
  EXPECT_EQ(c.isoCase(), 3);
  EXPECT_EQ(c.data.size(), 7u);
  EXPECT_FALSE(c.ne.has_value());
  EXPECT_EQ(c.encode(), raw);
}

TEST(CommandApdu, ParsesExtendedFormOfSmallLengths) {
  // Extended encodings are legal for any length; re-encoding picks the short form.
  const CommandApdu e2 = CommandApdu::parse(concat({kHeader, {0x00, 0x00, 0x05}}));
  expectSame(e2, make({}, 5));
  EXPECT_EQ(e2.encode(), concat({kHeader, {0x05}}));

  const CommandApdu e3 = CommandApdu::parse(concat({kHeader, {0x00, 0x00, 0x02, 0xAA, 0xBB}}));
  expectSame(e3, make({0xAA, 0xBB}, std::nullopt));
  EXPECT_EQ(e3.encode(), concat({kHeader, {0x02, 0xAA, 0xBB}}));

  const CommandApdu e4 =
      CommandApdu::parse(concat({kHeader, {0x00, 0x00, 0x01, 0xAA, 0x00, 0x00}}));
  expectSame(e4, make({0xAA}, 65536));
}

TEST(CommandApdu, ExtendedNeForcesExtendedLc) {
  // Short Lc with extended Le does not exist: both fields go extended.
  EXPECT_EQ(make({0xAA}, 300).encode(), concat({kHeader, {0x00, 0x00, 0x01, 0xAA, 0x01, 0x2C}}));
  // Large Nc with small Ne: Le is extended too.
  EXPECT_EQ(make(filled(300), 1).encode(),
            concat({kHeader, {0x00, 0x01, 0x2C}, filled(300), {0x00, 0x01}}));
}

TEST(CommandApdu, EncodeRejectsOutOfRange) {
  EXPECT_ERRC(make({}, 0).encode(), Errc::ApduInvalid);
  EXPECT_ERRC(make({0x01}, 0).encode(), Errc::ApduInvalid);
  EXPECT_ERRC(make({}, 65537).encode(), Errc::ApduInvalid);
  EXPECT_ERRC(make(filled(65536), std::nullopt).encode(), Errc::ApduInvalid);
  EXPECT_ERRC(make(filled(65536), 1).encode(), Errc::ApduInvalid);
}

TEST(CommandApdu, ParseRejectsShortHeader) {
  EXPECT_ERRC(CommandApdu::parse(Bytes{}), Errc::ApduInvalid);
  EXPECT_ERRC(CommandApdu::parse(Bytes{0x00}), Errc::ApduInvalid);
  EXPECT_ERRC(CommandApdu::parse(Bytes{0x00, 0xA4, 0x04}), Errc::ApduInvalid);
}

TEST(CommandApdu, ParseRejectsInconsistentShortLengths) {
  // Short Lc of 0 (case 3S/4S) is invalid.
  EXPECT_ERRC(CommandApdu::parse(concat({kHeader, {0x00, 0x10}})), Errc::ApduInvalid);
  // Lc larger than the data.
  EXPECT_ERRC(CommandApdu::parse(concat({kHeader, {0x03, 0xAA, 0xBB}})), Errc::ApduInvalid);
  EXPECT_ERRC(CommandApdu::parse(concat({kHeader, {0xFF, 0xAA}})), Errc::ApduInvalid);
  // Trailing bytes after data + Le.
  EXPECT_ERRC(CommandApdu::parse(concat({kHeader, {0x01, 0xAA, 0x10, 0x20}})), Errc::ApduInvalid);
  EXPECT_ERRC(CommandApdu::parse(concat({kHeader, {0x01, 0xAA, 0x10, 0x20, 0x30}})),
              Errc::ApduInvalid);
}

TEST(CommandApdu, ParseRejectsInconsistentExtendedLengths) {
  // Extended Lc 00 00.
  EXPECT_ERRC(CommandApdu::parse(concat({kHeader, {0x00, 0x00, 0x00, 0xAA}})), Errc::ApduInvalid);
  EXPECT_ERRC(CommandApdu::parse(concat({kHeader, {0x00, 0x00, 0x00, 0x00, 0x00}})),
              Errc::ApduInvalid);
  // Extended Lc larger than the data.
  EXPECT_ERRC(CommandApdu::parse(concat({kHeader, {0x00, 0x01, 0x00, 0xAA}})), Errc::ApduInvalid);
  EXPECT_ERRC(CommandApdu::parse(concat({kHeader, {0x00, 0xFF, 0xFF}, filled(100)})),
              Errc::ApduInvalid);
  // One Le byte after extended Lc + data (needs two).
  EXPECT_ERRC(CommandApdu::parse(concat({kHeader, {0x00, 0x00, 0x01, 0xAA, 0x10}})),
              Errc::ApduInvalid);
  // Trailing bytes after data + extended Le.
  EXPECT_ERRC(CommandApdu::parse(concat({kHeader, {0x00, 0x00, 0x01, 0xAA, 0x00, 0x10, 0x99}})),
              Errc::ApduInvalid);
  // 00 followed by a single byte: neither short nor extended.
  EXPECT_ERRC(CommandApdu::parse(concat({kHeader, {0x00, 0x05}})), Errc::ApduInvalid);
}

TEST(CommandApdu, ParseNeverReadsPastTheInput) {
  // Every prefix of a valid extended case 4 either parses or throws ApduInvalid.
  const Bytes full = concat({kHeader, {0x00, 0x01, 0x00}, filled(256), {0x01, 0x00}});
  for (std::size_t n = 0; n < full.size(); ++n) {
    const ByteView prefix(full.data(), n);
    try {
      (void)CommandApdu::parse(prefix);
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), Errc::ApduInvalid);
    }
  }
  expectSame(CommandApdu::parse(full), make(filled(256), 256));
}

}  // namespace
}  // namespace hcbridge::apdu
