// Which allowed origins a browser with Local Network Access can never let
// reach hcbridged, and the words hcbridged, the doctor and browser-policy use.
#include "origin_reach.hpp"

#include <gtest/gtest.h>

namespace hcbridge::daemon {
namespace {

TEST(OriginReach, PlainHttpIsRemoteUnlessTheHostIsLoopback) {
  for (const char* origin :
       {"http://intranet.clinic", "http://localhost.intranet", "http://192.168.1.20:8080"}) {
    EXPECT_TRUE(isPlainHttpRemoteOrigin(origin)) << origin;
    EXPECT_FALSE(isLoopbackOrigin(origin)) << origin;
  }
  for (const char* origin : {"http://localhost", "http://localhost:8733", "http://127.0.0.1:3000",
                             "http://[::1]:8080", "http://app.localhost:3000"}) {
    EXPECT_FALSE(isPlainHttpRemoteOrigin(origin)) << origin;
    EXPECT_TRUE(isLoopbackOrigin(origin)) << origin;
  }
  EXPECT_FALSE(isPlainHttpRemoteOrigin("https://dmp.example.fr"));
  EXPECT_EQ(plainHttpRemoteOrigins({"https://a.example", "http://b.example", "http://localhost:1",
                                    "http://c.example"}),
            (std::vector<std::string>{"http://b.example", "http://c.example"}));
}

// Firefox's SkipDomains matches the target host too: a loopback host there
// would open every service on this device to every web site.
TEST(OriginReach, LoopbackHostsOnEitherSchemeAreLoopbackAndLookAlikesAreNot) {
  for (const char* origin :
       {"https://localhost:8443", "https://127.0.0.1", "https://127.12.0.9:9", "https://[::1]:8443",
        "https://app.localhost", "https://ip6-localhost", "https://localhost.localdomain",
        "https://0.0.0.0:8443", "https://[::]"}) {
    EXPECT_TRUE(isLoopbackOrigin(origin)) << origin;
  }
  for (const char* origin :
       {"https://dmp.example.fr", "https://localhost.intranet", "https://127.0.0.1.example.fr",
        "https://mylocalhost", "https://[::2]", "https://10.0.0.5", "https://127.example"}) {
    EXPECT_FALSE(isLoopbackOrigin(origin)) << origin;
  }
}

TEST(OriginReach, TheWarningNamesTheEntryAndTheFix) {
  EXPECT_EQ(plainHttpOriginWarning("http://intranet.clinic"),
            "allowed_origins entry 'http://intranet.clinic': a page on plain http from a "
            "non-local origin can never reach hcbridged in Chrome 142+/Firefox 153+: serve it "
            "over https");
}

}  // namespace
}  // namespace hcbridge::daemon
