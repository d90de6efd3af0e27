// The challenge nonce and origin rules.
#include <gtest/gtest.h>

#include "hcbridge/auth/crypto.hpp"
#include "hcbridge/auth/tokens.hpp"
#include "hcbridge/error.hpp"

namespace hcbridge::testing {
namespace {

Errc nonceError(const std::string& nonce) {
  try {
    auth::checkChallengeNonce(nonce);
  } catch (const Error& error) {
    return error.code();
  }
  return Errc::Internal;  // accepted
}

Errc originError(std::string_view origin, void (*check)(std::string_view) = auth::checkOrigin) {
  try {
    check(origin);
  } catch (const Error& error) {
    return error.code();
  }
  return Errc::Internal;  // accepted
}

constexpr Errc kAccepted = Errc::Internal;

TEST(AuthNonce, LengthBoundaries) {
  EXPECT_EQ(nonceError(std::string(43, 'A')), Errc::NonceInvalid);
  EXPECT_EQ(nonceError(std::string(44, 'A')), kAccepted);
  EXPECT_EQ(nonceError(std::string(128, 'A')), kAccepted);
  EXPECT_EQ(nonceError(std::string(129, 'A')), Errc::NonceInvalid);
  EXPECT_EQ(nonceError(""), Errc::NonceInvalid);
}

TEST(AuthNonce, Base64CharactersOnly) {
  EXPECT_EQ(nonceError(auth::base64(auth::randomBytes(32))), kAccepted);
  EXPECT_EQ(nonceError(auth::base64Url(auth::randomBytes(33))), kAccepted);
  EXPECT_EQ(nonceError(std::string(43, 'a') + "+/-_="), kAccepted);
  EXPECT_EQ(nonceError(std::string(44, 'a') + " "), Errc::NonceInvalid);
  EXPECT_EQ(nonceError(std::string(44, 'a') + "."), Errc::NonceInvalid);
  EXPECT_EQ(nonceError(std::string(44, 'a') + "\xC3\xA9"), Errc::NonceInvalid);
  EXPECT_EQ(nonceError(std::string(44, 'a') + std::string(1, '\0')), Errc::NonceInvalid);
}

TEST(AuthNonce, MessageSaysWhichRule) {
  try {
    auth::checkChallengeNonce("short");
    FAIL();
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("at least 44"), std::string::npos) << error.what();
    EXPECT_FALSE(error.hint().empty());
  }
}

TEST(AuthOrigin, TheFormCheckAcceptsHttpForAnyHostButNotMalformedOrigins) {
  EXPECT_EQ(originError("http://records.intranet", auth::checkOriginForm), kAccepted);
  EXPECT_EQ(originError("http://records.intranet"), Errc::OriginInvalid);
  EXPECT_EQ(originError("https://records.example.org:8443", auth::checkOriginForm), kAccepted);
  for (const char* origin : {"records.example.org", "http://records.intranet/", "ftp://a.example",
                             "http://Records.intranet", "http://a.example:80"}) {
    EXPECT_EQ(originError(origin, auth::checkOriginForm), Errc::OriginInvalid) << origin;
  }
}

TEST(AuthOrigin, AcceptsBrowserOrigins) {
  for (const char* origin :
       {"https://example.com", "https://records.example.org:8443", "https://xn--bcher-kva.de",
        "https://192.0.2.10", "https://[2001:db8::1]:444", "http://localhost",
        "http://localhost:8080", "http://127.0.0.1:3000", "http://[::1]:5173",
        "https://a_b.test"}) {
    EXPECT_EQ(originError(origin), kAccepted) << origin;
  }
}

TEST(AuthOrigin, RefusesWhatBrowsersNeverSend) {
  for (const char* origin : {
           "",
           "http://example.com",            // http only for loopback
           "http://localhost.example.com",  // not loopback
           "https://example.com/",          // trailing slash
           "https://example.com/path",      // path
           "https://example.com?q=1",       // query
           "https://example.com#top",       // fragment
           "https://user@example.com",      // userinfo
           "https://Example.com",           // upper case host
           "HTTPS://example.com",           // upper case scheme
           "https://example.com:443",       // default port
           "http://localhost:80",           // default port
           "https://example.com:0",         // no port 0
           "https://example.com:65536",     // port too large
           "https://example.com:08443",     // leading zero
           "https://example.com:",          // empty port
           "https://example..com",          // empty label
           "https://example.com.",          // trailing dot
           "https://",                      // no host
           "ftp://example.com",             // scheme
           "https://exa mple.com",          // space
           "https://bücher.de",             // not punycode
           "null",                          // opaque origin
           "https://[zz::1]",               // bad IPv6
       }) {
    EXPECT_EQ(originError(origin), Errc::OriginInvalid) << origin;
  }
}

TEST(AuthOrigin, LengthLimit) {
  // https:// (8) + labels up to 255 characters in total.
  std::string host;
  while (host.size() < 247) host += std::string(60, 'a') + ".";
  host = host.substr(0, 247);
  if (host.back() == '.') host.back() = 'b';
  EXPECT_EQ(originError("https://" + host), kAccepted);
  EXPECT_EQ(originError("https://" + host + "c"), Errc::OriginInvalid);
}

TEST(AuthOrigin, SignedDataIsBothHashes) {
  const Bytes data = auth::webEidSignedData("https://example.com", "nonce");
  ASSERT_EQ(data.size(), 64u);
  EXPECT_EQ(Bytes(data.begin(), data.begin() + 32),
            auth::sha256(std::string_view("https://example.com")));
  EXPECT_EQ(Bytes(data.begin() + 32, data.end()), auth::sha256(std::string_view("nonce")));
}

}  // namespace
}  // namespace hcbridge::testing
