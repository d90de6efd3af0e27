// hcbridged --simulate as a real process: start line, HTTP requests over a
// plain socket, the audit log, SIGTERM. Needs no pcscd.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>

#include "child_process.hpp"
#include "hcbridge/app_keys.hpp"

namespace hcbridge::testing {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

const std::string kOrigin = "http://itest.example";

struct Reply {
  int status = 0;
  std::string body;
};

// One HTTP/1.1 request with Connection: close, read to the end.
Reply httpGet(std::uint16_t port, const std::string& target, const std::string& extraHeaders) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    close(fd);
    throw std::runtime_error("connect");
  }
  const std::string request = "GET " + target +
                              " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) + "\r\n" +
                              extraHeaders + "Connection: close\r\n\r\n";
  if (write(fd, request.data(), request.size()) != static_cast<ssize_t>(request.size())) {
    close(fd);
    throw std::runtime_error("write");
  }
  std::string response;
  char chunk[4096];
  ssize_t n = 0;
  while ((n = read(fd, chunk, sizeof chunk)) > 0)
    response.append(chunk, static_cast<std::size_t>(n));
  close(fd);
  Reply reply;
  std::smatch match;
  if (std::regex_search(response, match, std::regex(R"(^HTTP/1\.1 (\d{3}))"))) {
    reply.status = std::stoi(match[1]);
  }
  const auto bodyStart = response.find("\r\n\r\n");
  if (bodyStart != std::string::npos) reply.body = response.substr(bodyStart + 4);
  return reply;
}

class DaemonTest : public ::testing::Test {
 protected:
  DaemonTest() : dir_(fs::temp_directory_path() / ("hcbridged-test-" + std::to_string(getpid()))) {
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  ~DaemonTest() override { fs::remove_all(dir_); }

  // Starts hcbridged on a free port and reads the port from its start line.
  std::unique_ptr<ChildProcess> start(std::vector<std::string> args) {
    args.insert(args.begin(), HCBRIDGED_PATH);
    auto child = std::make_unique<ChildProcess>(args);
    const auto line = child->readLine(10s);
    if (!line) {
      ADD_FAILURE() << "no start line";
      return child;
    }
    std::smatch match;
    EXPECT_TRUE(std::regex_search(*line, match,
                                  std::regex(R"(^hcbridged listening on http://127\.0\.0\.1:(\d+) )"
                                             R"(\(and \[::1\]\) — transport: simulated$)")))
        << *line;
    if (!match.empty()) port_ = static_cast<std::uint16_t>(std::stoi(match[1]));
    // The demo lines: the cards, then curl commands with a fresh "demo" key.
    const auto demo = child->readLine(5s);
    EXPECT_TRUE(demo && demo->starts_with("demo: simulated cards:")) << demo.value_or("");
    const auto curl = child->readLine(5s);
    if (std::smatch key;
        curl && std::regex_search(*curl, key,
                                  std::regex("Bearer (hcb_[A-Za-z0-9_-]+)' http://localhost:" +
                                             std::to_string(port_) + "/v1/readers$"))) {
      demoKey_ = key[1];
    }
    EXPECT_FALSE(demoKey_.empty()) << curl.value_or("");
    return child;
  }

  fs::path dir_;
  std::uint16_t port_ = 0;
  std::string demoKey_;
};

TEST_F(DaemonTest, SimulateServesTheDemoReadersAndStopsOnSigterm) {
  const std::string config = (dir_ / "config.json").string();
  std::ofstream(config) << nlohmann::json{{"audit_log", (dir_ / "audit.log").string()},
                                          {"serial_key_file", (dir_ / "serial.key").string()},
                                          {"app_keys_file", (dir_ / "keys.json").string()}}
                               .dump();
  auto child =
      start({"--simulate", "--listen", "0", "--config", config, "--allow-origin", kOrigin});
  ASSERT_NE(port_, 0);

  const Reply readers = httpGet(port_, "/v1/readers", "Origin: " + kOrigin + "\r\n");
  ASSERT_EQ(readers.status, 200) << readers.body;
  const auto json = nlohmann::json::parse(readers.body);
  ASSERT_EQ(json["readers"].size(), 2u);
  EXPECT_EQ(json["readers"][0]["cardType"], "vitale");
  EXPECT_EQ(json["readers"][1]["cardType"], "cps");

  EXPECT_EQ(httpGet(port_, "/v1/readers", "Origin: https://evil.example\r\n").status, 403);
  EXPECT_EQ(httpGet(port_, "/v1/status", "").status, 401);
  EXPECT_EQ(httpGet(port_, "/v1/readers", "Authorization: Bearer " + demoKey_ + "\r\n").status,
            200);

  child->signal(SIGTERM);
  EXPECT_EQ(child->wait(10s), 0);
}

TEST_F(DaemonTest, AnAppKeyAddedBeforeSighupIsAcceptedAndReadsAreAudited) {
  const fs::path keys = dir_ / "keys.json";
  const fs::path audit = dir_ / "audit.log";
  const std::string config = (dir_ / "config.json").string();
  std::ofstream(config) << nlohmann::json{
      {"audit_log", audit.string()},
      {"serial_key_file", (dir_ / "serial.key").string()},
      {"app_keys_file", keys.string()},
      {"require_practitioner_session",
       false}}.dump();
  auto child = start({"--simulate", "--listen", "0", "--config", config});
  ASSERT_NE(port_, 0);

  auto store = AppKeyStore::open(keys);
  const std::string key = store.add("itest");
  const std::string bearer = "Authorization: Bearer " + key + "\r\n";
  EXPECT_EQ(httpGet(port_, "/v1/status", bearer).status, 401);  // not loaded yet
  child->signal(SIGHUP);
  int status = 0;
  for (int i = 0; i < 100 && status != 200; ++i) {
    std::this_thread::sleep_for(20ms);
    status = httpGet(port_, "/v1/status", bearer).status;
  }
  EXPECT_EQ(status, 200);

  // SIGHUP also applies the config's new allowed origins.
  const std::string added = "http://added.example";
  EXPECT_EQ(httpGet(port_, "/v1/status", "Origin: " + added + "\r\n").status, 403);
  std::ofstream(config) << nlohmann::json{
      {"audit_log", audit.string()},
      {"serial_key_file", (dir_ / "serial.key").string()},
      {"app_keys_file", keys.string()},
      {"allowed_origins", {added}},
      {"require_practitioner_session",
       false}}.dump();
  child->signal(SIGHUP);
  status = 0;
  for (int i = 0; i < 100 && status != 200; ++i) {
    std::this_thread::sleep_for(20ms);
    status = httpGet(port_, "/v1/status", "Origin: " + added + "\r\n").status;
  }
  EXPECT_EQ(status, 200);

  const Reply patient = httpGet(port_, "/v1/patient-card", bearer);
  EXPECT_EQ(patient.status, 200) << patient.body;
  std::ifstream auditFile(audit);
  std::string line;
  ASSERT_TRUE(std::getline(auditFile, line));
  const auto record = nlohmann::json::parse(line);
  EXPECT_EQ(record["caller"], "app itest");
  EXPECT_EQ(record["outcome"], "ok");

  child->signal(SIGTERM);
  EXPECT_EQ(child->wait(10s), 0);
}

}  // namespace
}  // namespace hcbridge::testing
