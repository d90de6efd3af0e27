// The doctor's building blocks that need no service: the report, the HTTP
// answer parser and the /proc lookup of a port's owner.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sstream>

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

TEST(LoopbackHttp, ParsesStatusContentTypeAndBody) {
  const auto answer = parseHttpAnswer(
      "HTTP/1.1 401 Unauthorized\r\ncontent-type: application/problem+json\r\n\r\n{\"a\":1}");
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 401);
  EXPECT_EQ(answer->contentType, "application/problem+json");
  EXPECT_EQ(answer->body, "{\"a\":1}");
  EXPECT_EQ(parseHttpAnswer("HTTP/1.0 200 OK\r\nContent-Type:\r\n\r\n")->contentType, "");
  EXPECT_FALSE(parseHttpAnswer("SSH-2.0-OpenSSH_9.2\r\n"));
  EXPECT_FALSE(parseHttpAnswer("HTTP/1.1 abc\r\n\r\n"));
  EXPECT_FALSE(parseHttpAnswer("HTTP/1.1 -12 OK\r\n\r\n"));
  EXPECT_FALSE(parseHttpAnswer("HTTP/1.1 200 OK\r\n"));  // headers never end
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
