// Event latency and idle CPU of `hcbridge readers --watch`, beside the raw
// observer (tests/bench/raw_observer.cpp); with --websocket also of
// hcbridged's WebSocket /v1/events (tests/bench/ws_observer.cpp, hcbridged
// on the real pcscd). Needs pcscd with vsmartcard-vpcd, no card inserted.
//
//   event_latency [--samples N] [--idle-seconds S] [--websocket]
//
// Both observers watch the same insertions: the simulator connects to vpcd,
// and each observer's "card.inserted" line is timed from that moment. pcscd
// notices a vpcd card at its own presence poll, so absolute figures include
// that wait for both; the per-event difference is what hcbridge adds.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "../integration/child_process.hpp"
#include "hcbridge/app_keys.hpp"
#include "hcbridge/sim/card.hpp"
#include "hcbridge/sim/profile.hpp"
#include "hcbridge/sim/vpcd_client.hpp"

using namespace std::chrono_literals;
using hcbridge::testing::ChildProcess;
using Clock = std::chrono::steady_clock;

namespace {

bool waitForLine(ChildProcess& process, const char* text, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    auto line = process.readLine(
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()));
    if (!line) return false;
    if (line->find(text) != std::string::npos) return true;
  }
  return false;
}

struct Stats {
  double median;
  double p99;
  double max;
};

Stats stats(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  const double median = n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
  // Nearest rank: with 50 samples the 50th value (the maximum).
  const std::size_t rank = (99 * n + 99) / 100;
  return {median, values[std::min(n, std::max<std::size_t>(rank, 1)) - 1], values.back()};
}

double cpuSeconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string field;
  for (int i = 1; i < 14 && in >> field; ++i) {
  }
  long utime = 0;
  long stime = 0;
  in >> utime >> stime;
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

struct Observer {
  std::string name;
  std::unique_ptr<ChildProcess> process;
  std::vector<double> millis;
};

// hcbridged on the real pcscd with a throw-away config, state and app key;
// returns its port (0 when it did not start).
std::uint16_t startHcbridged(std::unique_ptr<ChildProcess>& daemon, std::string& key) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("hcbridge-event-latency-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "config.json")
      << R"({"audit_log":")" << (dir / "audit.log").string() << R"(","serial_key_file":")"
      << (dir / "serial.key").string() << R"(","audit_key_file":")" << (dir / "audit.key").string()
      << R"(","app_keys_file":")" << (dir / "keys.json").string() << R"("})";
  key = hcbridge::AppKeyStore::open(dir / "keys.json").add("event-latency");
  daemon = std::make_unique<ChildProcess>(std::vector<std::string>{
      HCBRIDGED_PATH, "--listen", "0", "--config", (dir / "config.json").string()});
  const auto line = daemon->readLine(10s);
  std::smatch port;
  if (!line || !std::regex_search(*line, port, std::regex(R"(127\.0\.0\.1:(\d+))"))) return 0;
  return static_cast<std::uint16_t>(std::stoi(port[1]));
}

}  // namespace

int main(int argc, char** argv) {
  int samples = 20;
  int idleSeconds = 0;
  bool websocket = false;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--samples") && i + 1 < argc) samples = std::atoi(argv[++i]);
    if (!std::strcmp(argv[i], "--idle-seconds") && i + 1 < argc) idleSeconds = std::atoi(argv[++i]);
    if (!std::strcmp(argv[i], "--websocket")) websocket = true;
  }

  std::vector<Observer> observers;
  observers.push_back({"raw observer",
                       std::make_unique<ChildProcess>(std::vector<std::string>{RAW_OBSERVER_PATH}),
                       {}});
  observers.push_back({"hcbridge readers -w",
                       std::make_unique<ChildProcess>(
                           std::vector<std::string>{HCBRIDGE_CLI_PATH, "readers", "--watch"}),
                       {}});
  std::unique_ptr<ChildProcess> daemon;
  if (websocket) {
    std::string key;
    const std::uint16_t port = startHcbridged(daemon, key);
    if (port == 0) {
      std::fprintf(stderr, "hcbridged did not start\n");
      return 1;
    }
    observers.push_back({"hcbridged WebSocket",
                         std::make_unique<ChildProcess>(
                             std::vector<std::string>{WS_OBSERVER_PATH, std::to_string(port), key}),
                         {}});
  }
  for (auto& observer : observers) {
    if (!waitForLine(*observer.process, "Watching", 10s)) {
      std::fprintf(stderr, "%s did not start (is pcscd running?)\n", observer.name.c_str());
      return 1;
    }
  }

  if (idleSeconds > 0) {
    const pid_t watcher = observers[1].process->pid();
    const double before = cpuSeconds(watcher);
    const double daemonBefore = daemon ? cpuSeconds(daemon->pid()) : 0;
    std::this_thread::sleep_for(std::chrono::seconds(idleSeconds));
    const double used = cpuSeconds(watcher) - before;
    std::printf("idle CPU of 'hcbridge readers --watch' over %d s: %.3f s (%.4f%%)\n", idleSeconds,
                used, 100.0 * used / idleSeconds);
    if (daemon) {
      std::printf("idle CPU of hcbridged (pcsc, one WebSocket client) over %d s: %.3f s\n",
                  idleSeconds, cpuSeconds(daemon->pid()) - daemonBefore);
    }
  }

  auto profile = hcbridge::sim::loadProfile("generic");
  for (int i = 0; i < samples; ++i) {
    hcbridge::sim::VpcdClient client(std::make_shared<hcbridge::sim::Card>(profile));
    client.insert();
    const auto start = Clock::now();
    std::vector<std::thread> waiters;
    std::vector<char> seen(observers.size(), 0);
    for (std::size_t k = 0; k < observers.size(); ++k) {
      waiters.emplace_back([&, k] {
        if (!waitForLine(*observers[k].process, "card.inserted", 5s)) return;
        observers[k].millis.push_back(
            std::chrono::duration<double, std::milli>(Clock::now() - start).count());
        seen[k] = 1;
      });
    }
    for (auto& waiter : waiters) waiter.join();
    for (std::size_t k = 0; k < observers.size(); ++k) {
      if (!seen[k]) {
        std::fprintf(stderr, "sample %d: %s missed the insertion\n", i, observers[k].name.c_str());
        return 1;
      }
    }
    client.remove();
    for (auto& observer : observers) waitForLine(*observer.process, "card.removed", 5s);
  }
  std::printf("insert -> printed, %d samples (ms):\n", samples);
  const std::vector<double>& raw = observers[0].millis;
  for (const auto& observer : observers) {
    const Stats o = stats(observer.millis);
    std::printf("  %-22s median %7.2f  p99 %7.2f  max %7.2f\n", observer.name.c_str(), o.median,
                o.p99, o.max);
  }
  for (std::size_t k = 1; k < observers.size(); ++k) {
    std::vector<double> delta;
    for (std::size_t i = 0; i < raw.size(); ++i) delta.push_back(observers[k].millis[i] - raw[i]);
    const Stats d = stats(delta);
    std::printf("  %-22s median %7.2f  p99 %7.2f  max %7.2f\n",
                (observers[k].name + " - raw").c_str(), d.median, d.p99, d.max);
  }
  observers[1].process->signal(SIGINT);
  observers[1].process->wait(5s);
  if (daemon) {
    daemon->signal(SIGTERM);
    daemon->wait(5s);
  }
  return 0;
}
