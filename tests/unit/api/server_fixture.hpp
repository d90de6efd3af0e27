// A Server on an ephemeral loopback port over a FakeBackend, its io_context
// run by one thread as the service runs it (server.hpp); collects audit and
// log lines.
#pragma once

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <future>
#include <mutex>
#include <thread>

#include "fake_backend.hpp"
#include "hcbridge/api/server.hpp"
#include "hcbridge_test/test_client.hpp"

namespace hcbridge::api::testing {

class ServerTest : public ::testing::Test {
 protected:
  static constexpr const char* kOrigin = "https://app.example";

  ServerTest() {
    policy_.allowedOrigins = {kOrigin};
    policy_.limits.headerTimeout = std::chrono::milliseconds(2000);
  }
  ~ServerTest() override { stopServer(); }

  void startServer() {
    server_ = std::make_unique<Server>(
        io_, backend_, policy_,
        [](std::string_view key) -> std::optional<std::string> {
          if (key == "good-key") return "pharmacy";
          return std::nullopt;
        },
        [this](const AuditEntry& entry) {
          std::lock_guard lock(mutex_);
          audit_.push_back(entry);
        },
        [this](std::string_view line) {
          std::lock_guard lock(mutex_);
          log_.emplace_back(line);
        });
    threads_.emplace_back([this] { io_.run(); });
    serverSubscriptions_ = backend_.subscriberCount();  // the router's own
  }

  // Subscriptions of WebSocket clients: the server's own are not counted.
  std::size_t webSocketSubscribers() const {
    return backend_.subscriberCount() - serverSubscriptions_;
  }
  // Events published before the subscription exists would be lost to the test.
  void waitForWebSocketSubscribers(std::size_t count) const {
    for (int i = 0; i < 200 && webSocketSubscribers() < count; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    ASSERT_EQ(webSocketSubscribers(), count);
  }

  // Graceful stop: run() must return by itself once connections are done.
  void stopServer() {
    if (!server_) return;
    server_->stop();
    work_.reset();
    for (auto& thread : threads_) {
      auto done = std::async(std::launch::async, [&thread] { thread.join(); });
      if (done.wait_for(std::chrono::seconds(5)) != std::future_status::ready) {
        ADD_FAILURE() << "io_context did not finish after stop()";
        io_.stop();
        done.wait();
      }
    }
    threads_.clear();
    server_.reset();
  }

  std::uint16_t port() const { return server_->port(); }
  Headers appKey() const { return {{"Authorization", "Bearer good-key"}}; }
  Headers origin() const { return {{"Origin", kOrigin}}; }

  std::vector<AuditEntry> audit() {
    std::lock_guard lock(mutex_);
    return audit_;
  }
  std::vector<std::string> log() {
    std::lock_guard lock(mutex_);
    return log_;
  }
  bool logContains(const std::string& text) {
    for (const auto& line : log()) {
      if (line.find(text) != std::string::npos) return true;
    }
    return false;
  }
  // The server gives its log lines to the sink once the network thread's
  // current handlers have run (server_core.hpp), which may be just after the
  // client got its answer: wait for the line a little.
  bool logEventuallyContains(const std::string& text) {
    for (int i = 0; i < 200; ++i) {
      if (logContains(text)) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

  FakeBackend backend_;
  std::size_t serverSubscriptions_ = 0;
  Policy policy_;
  boost::asio::io_context io_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_{
      io_.get_executor()};
  std::unique_ptr<Server> server_;
  std::vector<std::thread> threads_;
  std::mutex mutex_;
  std::vector<AuditEntry> audit_;
  std::vector<std::string> log_;
};

}  // namespace hcbridge::api::testing
