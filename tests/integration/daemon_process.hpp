// hcbridged as a child process of a test: its own folder with config, audit
// log, serial key and application keys; the port read from its start line;
// its stderr kept in a file so tests can check what it logs.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "child_process.hpp"
#include "hcbridge_test/test_client.hpp"

namespace hcbridge::testing {

enum class DaemonTransport { Simulated, Pcsc };

class DaemonProcess {
 public:
  // Starts `hcbridged --listen 0 --config F [--simulate] [args...]` where F
  // holds `config` plus the paths of this folder's state files. Failures to
  // start are test failures; port() is then 0.
  DaemonProcess(DaemonTransport transport, const nlohmann::json& config,
                const std::vector<std::string>& args = {});
  ~DaemonProcess();  // kills the service if still running, removes the folder
  DaemonProcess(const DaemonProcess&) = delete;
  DaemonProcess& operator=(const DaemonProcess&) = delete;

  std::uint16_t port() const { return port_; }
  // A key made with the key store before the start (application "itest").
  const std::string& appKey() const { return appKey_; }
  api::testing::Headers appKeyHeader() const { return {{"Authorization", "Bearer " + appKey_}}; }
  // The fresh "demo" key printed in --simulate mode.
  const std::string& demoKey() const { return demoKey_; }

  const std::filesystem::path& folder() const { return folder_; }
  std::filesystem::path configFile() const { return folder_ / "config.json"; }
  std::filesystem::path auditLog() const { return folder_ / "audit.log"; }
  std::filesystem::path auditKeyFile() const { return folder_ / "audit.key"; }
  std::filesystem::path appKeysFile() const { return folder_ / "keys.json"; }
  // Rewrites the config file (`config` plus the state file paths).
  void writeConfig(const nlohmann::json& config) const;

  // Everything the service wrote to stdout and stderr so far.
  std::string output();
  ChildProcess& process() { return *child_; }
  // SIGTERM, then its exit code (-1 when it did not stop within 10 s).
  int terminate();

 private:
  std::filesystem::path folder_;
  std::unique_ptr<ChildProcess> child_;
  std::string stdoutLines_;
  std::uint16_t port_ = 0;
  std::string appKey_;
  std::string demoKey_;
};

}  // namespace hcbridge::testing
