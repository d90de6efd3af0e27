// The doctor's building blocks that need no service: the report, the GET
// to the service (against one-shot socket servers) and the /proc lookup of
// a port's owner.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <sstream>
#include <string>
#include <thread>

#include "doctor_report.hpp"
#include "loopback_http.hpp"
#include "process_table.hpp"

namespace hcbridge::cli {
namespace {

TEST(DoctorReport, ExitCodeIsOneOnlyWhenACheckFailed) {
  std::vector<CheckResult> results = {{"pcscd", CheckStatus::Ok, "answers"},
                                      {"readers", CheckStatus::Warn, "none", "plug one in"}};
  EXPECT_EQ(reportExitCode(results), 0);
  EXPECT_EQ(reportJson(results)["ok"], true);
  results.push_back({"port", CheckStatus::Fail, "held by nginx (pid 7)", "stop it"});
  EXPECT_EQ(reportExitCode(results), 1);
  const auto json = reportJson(results);
  EXPECT_EQ(json["ok"], false);
  EXPECT_EQ(json["checks"][2]["status"], "FAIL");
  EXPECT_EQ(json["checks"][2]["fix"], "stop it");

  std::ostringstream text;
  printReport(text, results);
  EXPECT_EQ(text.str(),
            "OK    pcscd    answers\n"
            "WARN  readers  none\n"
            "      fix: plug one in\n"
            "FAIL  port     held by nginx (pid 7)\n"
            "      fix: stop it\n"
            "\n1 failed, 1 warnings, 1 passed. Fix the first FAIL first: later checks often fail "
            "because of it.\n");
}

// A one-connection server on a free loopback port: it reads the request,
// then sends `answer` (nothing when empty) and closes after `holdFor`.
class OneShotServer {
 public:
  OneShotServer(std::string answer, std::chrono::milliseconds holdFor)
      : fd_(socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof address;
    bind(fd_, reinterpret_cast<sockaddr*>(&address), size);
    getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &size);
    port_ = ntohs(address.sin_port);
    listen(fd_, 1);
    thread_ = std::thread([this, answer = std::move(answer), holdFor] {
      const int client = accept(fd_, nullptr, nullptr);
      if (client < 0) return;
      char request[1024];
      [[maybe_unused]] const auto got = recv(client, request, sizeof request, 0);
      if (!answer.empty()) {
        [[maybe_unused]] const auto sent = send(client, answer.data(), answer.size(), MSG_NOSIGNAL);
      }
      std::this_thread::sleep_for(holdFor);
      close(client);
    });
  }
  ~OneShotServer() {
    thread_.join();
    close(fd_);
  }
  std::uint16_t port() const { return port_; }

 private:
  int fd_;
  std::uint16_t port_ = 0;
  std::thread thread_;
};

TEST(LoopbackHttp, ReadsStatusContentTypeAndBody) {
  OneShotServer server(
      "HTTP/1.1 401 Unauthorized\r\ncontent-type: application/problem+json\r\n"
      "Content-Length: 7\r\n\r\n{\"a\":1}",
      std::chrono::milliseconds(0));
  std::string error;
  const auto answer = loopbackGet(server.port(), "/v1/status", std::chrono::seconds(5), error);
  ASSERT_TRUE(answer) << error;
  EXPECT_EQ(answer->status, 401);
  EXPECT_EQ(answer->contentType, "application/problem+json");
  EXPECT_EQ(answer->body, "{\"a\":1}");
}

TEST(LoopbackHttp, AnotherProtocolOnThePortIsNotHttp) {
  OneShotServer server("SSH-2.0-OpenSSH_9.2\r\n", std::chrono::milliseconds(0));
  std::string error;
  EXPECT_FALSE(loopbackGet(server.port(), "/v1/status", std::chrono::seconds(5), error));
  EXPECT_EQ(error.rfind("the answer is not HTTP", 0), 0u) << error;
}

TEST(LoopbackHttp, APeerThatNeverAnswersTimesOut) {
  OneShotServer server("", std::chrono::milliseconds(1500));
  std::string error;
  EXPECT_FALSE(loopbackGet(server.port(), "/v1/status", std::chrono::milliseconds(200), error));
  EXPECT_EQ(error, "no answer within 200 ms");
}

TEST(LoopbackHttp, NothingListeningIsConnectionRefused) {
  std::uint16_t port = 0;
  {
    OneShotServer probe("HTTP/1.1 204 No Content\r\n\r\n", std::chrono::milliseconds(0));
    port = probe.port();
    std::string ignored;
    loopbackGet(port, "/", std::chrono::seconds(5), ignored);  // lets the server thread end
  }
  std::string error;
  EXPECT_FALSE(loopbackGet(port, "/v1/status", std::chrono::seconds(5), error));
  EXPECT_EQ(error, "Connection refused");
}

TEST(ProcessTable, FindsTheProcessListeningOnAPort) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof address;
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&address), size), 0);
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size);
  const auto port = ntohs(address.sin_port);
  EXPECT_FALSE(tcpListener(port));  // bound but not listening yet
  ASSERT_EQ(listen(fd, 1), 0);
  const auto owner = tcpListener(port);
  ASSERT_TRUE(owner);
  EXPECT_EQ(owner->pid, getpid());
  close(fd);
  EXPECT_FALSE(tcpListener(port));
  EXPECT_FALSE(findProcess("no-such-process-name"));
}

}  // namespace
}  // namespace hcbridge::cli
