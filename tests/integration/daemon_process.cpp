#include "daemon_process.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <regex>
#include <sstream>

#include "hcbridge/app_keys.hpp"

namespace hcbridge::testing {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

fs::path freshFolder() {
  static std::atomic<int> counter = 0;
  fs::path folder = fs::temp_directory_path() / ("hcbridged-test-" + std::to_string(getpid()) +
                                                 "-" + std::to_string(counter++));
  fs::remove_all(folder);
  fs::create_directories(folder);
  return folder;
}

}  // namespace

DaemonProcess::DaemonProcess(DaemonTransport transport, const nlohmann::json& config,
                             const std::vector<std::string>& args)
    : folder_(freshFolder()) {
  writeConfig(config);
  auto store = AppKeyStore::open(appKeysFile());
  appKey_ = store.add("itest");

  std::vector<std::string> argv = {HCBRIDGED_PATH, "--listen", "0", "--config",
                                   configFile().string()};
  if (transport == DaemonTransport::Simulated) argv.emplace_back("--simulate");
  argv.insert(argv.end(), args.begin(), args.end());
  child_ = std::make_unique<ChildProcess>(argv, (folder_ / "stderr.log").string());

  const auto line = child_->readLine(10s);
  if (!line) {
    ADD_FAILURE() << "hcbridged printed no start line; stderr: " << output();
    return;
  }
  stdoutLines_ += *line + "\n";
  const std::string label = transport == DaemonTransport::Simulated ? "simulated" : "pcsc";
  std::smatch match;
  if (!std::regex_search(*line, match,
                         std::regex(R"(^hcbridged listening on http://127\.0\.0\.1:(\d+) )"
                                    R"(\(and \[::1\]\) — transport: )" +
                                    label + "$"))) {
    ADD_FAILURE() << "unexpected start line: " << *line;
    return;
  }
  port_ = static_cast<std::uint16_t>(std::stoi(match[1]));
  if (transport == DaemonTransport::Pcsc) return;

  // The demo lines: the cards, then curl commands with a fresh "demo" key.
  const auto demo = child_->readLine(5s);
  EXPECT_TRUE(demo && demo->starts_with("demo: simulated cards:")) << demo.value_or("");
  const auto curl = child_->readLine(5s);
  stdoutLines_ += demo.value_or("") + "\n" + curl.value_or("") + "\n";
  if (std::smatch key;
      curl && std::regex_search(*curl, key,
                                std::regex("Bearer (hcb_[A-Za-z0-9_-]+)' http://localhost:" +
                                           std::to_string(port_) + "/v1/readers$"))) {
    demoKey_ = key[1];
  }
  EXPECT_FALSE(demoKey_.empty()) << curl.value_or("");
}

DaemonProcess::~DaemonProcess() {
  child_.reset();
  fs::remove_all(folder_);
}

void DaemonProcess::writeConfig(const nlohmann::json& config) const {
  nlohmann::json full = config.is_null() ? nlohmann::json::object() : config;
  full["audit_log"] = auditLog().string();
  full["serial_key_file"] = (folder_ / "serial.key").string();
  full["audit_key_file"] = auditKeyFile().string();
  full["app_keys_file"] = appKeysFile().string();
  std::ofstream(configFile()) << full.dump();
}

std::string DaemonProcess::output() {
  // Drain what is already in the stdout pipe without waiting.
  while (const auto line = child_ ? child_->readLine(0ms) : std::nullopt) {
    stdoutLines_ += *line + "\n";
  }
  std::ostringstream err;
  err << std::ifstream(folder_ / "stderr.log").rdbuf();
  return stdoutLines_ + err.str();
}

int DaemonProcess::terminate() {
  child_->signal(SIGTERM);
  return child_->wait(10s);
}

}  // namespace hcbridge::testing
