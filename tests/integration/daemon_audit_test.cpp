// "No trace, no data" through a real hcbridged --simulate and its group
// commit: concurrent patient-card reads share fsyncs and each answer carries
// data only when its audit line is in the file; once the audit log cannot
// grow, reads answer 500 without data, the rest of the API goes on, and the
// file holds only whole lines.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "daemon_process.hpp"
#include "hcbridge_test/file_size_limit.hpp"

namespace hcbridge::testing {
namespace {

using api::testing::fetch;
using api::testing::HttpReply;

const nlohmann::json kNoSessionNeeded = {{"require_practitioner_session", false}};

std::vector<std::string> lines(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::vector<std::string> result;
  for (std::string line; std::getline(in, line);) result.push_back(line);
  return result;
}

std::string fileText(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

HttpReply readWhenPresent(const DaemonProcess& daemon) {
  HttpReply reply;
  for (int i = 0; i < 100; ++i) {
    reply = fetch(daemon.port(), "GET", "/v1/patient-card", daemon.appKeyHeader());
    if (reply.status != 409 && reply.status != 404) break;  // cards still being identified
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return reply;
}

// Concurrent reads: every 200 has its line, one line per read.
TEST(DaemonAudit, ConcurrentReadsAreEachAuditedBeforeTheirData) {
  DaemonProcess daemon(DaemonTransport::Simulated, kNoSessionNeeded);
  ASSERT_NE(daemon.port(), 0);
  ASSERT_EQ(readWhenPresent(daemon).status, 200);
  constexpr int kClients = 16;
  constexpr int kReadsEach = 20;
  std::atomic<int> ok{0};
  std::atomic<int> other{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&] {
      for (int i = 0; i < kReadsEach; ++i) {
        const auto reply = fetch(daemon.port(), "GET", "/v1/patient-card", daemon.appKeyHeader());
        (reply.status == 200 ? ok : other)++;
      }
    });
  }
  for (auto& client : clients) client.join();
  EXPECT_EQ(ok.load(), kClients * kReadsEach);
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(daemon.terminate(), 0);
  // The first read above plus every concurrent one, each its own line.
  EXPECT_EQ(lines(daemon.auditLog()).size(), static_cast<std::size_t>(kClients * kReadsEach + 1));
}

TEST(DaemonAudit, WhenTheAuditLogCannotGrowReadsReturnNoDataAndTheServiceGoesOn) {
  std::unique_ptr<DaemonProcess> daemon;
  {
    // Room for a few audit lines (~600 bytes each); the other state files are smaller.
    FileSizeLimit limit(4096);  // the child inherits it
    daemon = std::make_unique<DaemonProcess>(DaemonTransport::Simulated, kNoSessionNeeded);
  }
  ASSERT_NE(daemon->port(), 0);
  const auto first = readWhenPresent(*daemon);
  ASSERT_EQ(first.status, 200) << first.body;
  const std::string surname = "DUPONT-TEST";  // the simulated Vitale card's holder
  ASSERT_NE(first.body.find(surname), std::string::npos) << first.body;

  // Concurrent reads until the log is full: some batches fail whole.
  std::atomic<int> ok{1};
  std::atomic<int> refused{0};
  std::atomic<int> leaked{0};
  std::atomic<int> unexpected{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < 8; ++c) {
    clients.emplace_back([&] {
      for (int i = 0; i < 5; ++i) {
        const auto reply = fetch(daemon->port(), "GET", "/v1/patient-card", daemon->appKeyHeader());
        if (reply.status == 200) {
          ++ok;
        } else if (reply.status == 500 && reply.json().value("code", "") == "internal") {
          ++refused;
          if (reply.body.find(surname) != std::string::npos) ++leaked;
        } else {
          ++unexpected;
        }
      }
    });
  }
  for (auto& client : clients) client.join();
  EXPECT_GT(refused.load(), 0) << "the audit log never filled up";
  EXPECT_EQ(leaked.load(), 0) << "a refused read carried patient data";
  EXPECT_EQ(unexpected.load(), 0);

  // Still refused, and the rest of the API answers.
  const auto again = fetch(daemon->port(), "GET", "/v1/patient-card", daemon->appKeyHeader());
  EXPECT_EQ(again.status, 500);
  EXPECT_EQ(again.body.find(surname), std::string::npos);
  EXPECT_EQ(fetch(daemon->port(), "GET", "/v1/readers", daemon->appKeyHeader()).status, 200);
  EXPECT_EQ(daemon->terminate(), 0);

  // Exactly one whole line per read that got data: no partial line left behind.
  const std::string text = fileText(daemon->auditLog());
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\n');
  const auto written = lines(daemon->auditLog());
  EXPECT_EQ(written.size(), static_cast<std::size_t>(ok.load()));
  for (const auto& line : written) {
    const auto json = nlohmann::json::parse(line, nullptr, false);
    EXPECT_TRUE(json.is_object() && json.contains("mac")) << line;
  }
}

}  // namespace
}  // namespace hcbridge::testing
