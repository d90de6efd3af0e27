// Issue 14, attack 3, against a real `hcbridged --simulate`: the practitioner
// session opened by one web page is nobody else's. Another allowed origin,
// an application key, a local process of another user, each holding the
// token or not, gets `session-not-yours` from every call that uses the
// session and `session-busy` for a PIN; the opener keeps working.
#include <arpa/inet.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "daemon_process.hpp"

namespace hcbridge::testing {
namespace {

using api::testing::fetch;
using api::testing::Headers;
using api::testing::HttpReply;
using nlohmann::json;

const std::string kOpener = "https://opener.example";
const std::string kOther = "https://other.example";
const std::string kNonce = "T3JpZ2luLWJvdW5kIHRva2VuIG5vbmNlIGZvciB0ZXN0cyEh";
constexpr uid_t kNobody = 65534;

std::string codeOf(const HttpReply& reply) {
  return json::parse(reply.body, nullptr, false).value("code", std::string());
}

// The HTTP status a process of user `uid` gets for `request` (raw bytes):
// a forked child drops to that user, connects and reads the status line.
// -1 when the child could not.
int statusAsUser(uid_t uid, std::uint16_t port, const std::string& request) {
  int pipeFds[2];
  if (::pipe(pipeFds) != 0) return -1;
  const pid_t child = ::fork();
  if (child == 0) {
    ::close(pipeFds[0]);
    int status = -1;
    if (::setgroups(0, nullptr) == 0 && ::setgid(uid) == 0 && ::setuid(uid) == 0) {
      const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in address{};
      address.sin_family = AF_INET;
      address.sin_port = htons(port);
      address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      char answer[64] = {};
      if (fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
          ::write(fd, request.data(), request.size()) == static_cast<ssize_t>(request.size()) &&
          ::read(fd, answer, sizeof answer - 1) > 12) {
        status = (answer[9] - '0') * 100 + (answer[10] - '0') * 10 + (answer[11] - '0');
      }
    }
    (void)!::write(pipeFds[1], &status, sizeof status);
    ::_exit(0);
  }
  ::close(pipeFds[1]);
  int status = -1;
  if (::read(pipeFds[0], &status, sizeof status) != sizeof status) status = -1;
  ::close(pipeFds[0]);
  ::waitpid(child, nullptr, 0);
  return status;
}

class DaemonSessionOwnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    daemon_ = std::make_unique<DaemonProcess>(
        // The application may sign: its refusals below are the session's alone.
        DaemonTransport::Simulated, json{{"app_origins", {{"itest", kOpener}}}},
        std::vector<std::string>{"--allow-origin", kOpener, "--allow-origin", kOther});
    ASSERT_NE(daemon_->port(), 0);
  }

  Headers as(const std::string& origin, const std::string& token) const {
    Headers headers = {{"Origin", origin}, {"Content-Type", "application/json"}};
    if (!token.empty()) headers.emplace_back("HCBridge-Session", token);
    return headers;
  }
  HttpReply call(const std::string& method, const std::string& target, const Headers& headers,
                 const json& body = nullptr) {
    return fetch(daemon_->port(), method, target, headers, body.is_null() ? "" : body.dump());
  }

  std::unique_ptr<DaemonProcess> daemon_;
};

TEST_F(DaemonSessionOwnerTest, OnlyTheOpenerUsesTheSession) {
  const auto opened = call("POST", "/v1/practitioner/session", as(kOpener, ""), {{"pin", "1234"}});
  ASSERT_EQ(opened.status, 201) << opened.body;
  const std::string token = opened.json().value("sessionToken", "");
  ASSERT_GE(token.size(), 43u);

  const json record = {{"audience", "https://dmp.example"},
                       {"nonce", kNonce},
                       {"purpose", "normal"},
                       {"patient", "2790351215189"},
                       {"pin", "1234"}};
  struct Attempt {
    std::string what;
    Headers headers;
  };
  const std::vector<Attempt> strangers = {
      {"another origin without the token", as(kOther, "")},
      {"another origin with the stolen token", as(kOther, token)},
      {"the opener's origin with a guessed token", as(kOpener, std::string(43, 'A'))},
      {"an application key with the token",
       {{"Authorization", "Bearer " + daemon_->appKey()}, {"HCBridge-Session", token}}},
  };
  for (const Attempt& stranger : strangers) {
    SCOPED_TRACE(stranger.what);
    EXPECT_EQ(codeOf(call("GET", "/v1/patient-card", stranger.headers)), "session-not-yours");
    EXPECT_EQ(codeOf(call("GET", "/v1/patient-card/accesses", stranger.headers)),
              "session-not-yours");
    EXPECT_EQ(codeOf(call("POST", "/v1/practitioner/authenticate", stranger.headers,
                          {{"challengeNonce", kNonce}})),
              "session-not-yours");
    EXPECT_EQ(codeOf(call("POST", "/v1/record-access", stranger.headers, record)),
              "session-not-yours");
    EXPECT_EQ(codeOf(call("DELETE", "/v1/practitioner/session", stranger.headers)),
              "session-not-yours");
  }
  // Attack 4: no PIN from anyone else while the session is open.
  const auto busy = call("POST", "/v1/practitioner/session", as(kOther, ""), {{"pin", "0000"}});
  EXPECT_EQ(busy.status, 409) << busy.body;
  EXPECT_EQ(codeOf(busy), "session-busy");

  // Another local user (a terminal server): the opener's origin and token are not enough.
  if (::geteuid() == 0) {
    const std::string request =
        "GET /v1/patient-card HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(daemon_->port()) +
        "\r\nOrigin: " + kOpener + "\r\nHCBridge-Session: " + token +
        "\r\nConnection: close\r\n\r\n";
    EXPECT_EQ(statusAsUser(kNobody, daemon_->port(), request), 403);
  } else {
    std::cout << "[ SKIPPED  ] another local user: needs root to run a process as nobody\n";
  }

  // The opener: all of it works, and the PIN never went to the card for the strangers.
  EXPECT_EQ(call("GET", "/v1/patient-card", as(kOpener, token)).status, 200);
  const auto accesses = call("GET", "/v1/patient-card/accesses", as(kOpener, token));
  ASSERT_EQ(accesses.status, 200) << accesses.body;
  EXPECT_FALSE(accesses.json()["accesses"].empty());
  EXPECT_EQ(call("POST", "/v1/record-access", as(kOpener, token), record).status, 200);
  const auto closed = call("DELETE", "/v1/practitioner/session", as(kOpener, token));
  EXPECT_EQ(closed.status, 200) << closed.body;
  EXPECT_EQ(closed.json()["closed"], true);
  EXPECT_EQ(daemon_->output().find(token), std::string::npos) << "the token reached the log";
  EXPECT_EQ(daemon_->output().find("cannot read the kernel's TCP table"), std::string::npos);
  EXPECT_EQ(daemon_->terminate(), 0);
}

}  // namespace
}  // namespace hcbridge::testing
