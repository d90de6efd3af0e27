// Event latency and idle CPU of `hcbridge readers --watch`, beside the raw
// observer (tests/bench/raw_observer.cpp). Needs pcscd with vsmartcard-vpcd.
//
//   event_latency [--samples N] [--idle-seconds S]
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
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "../integration/child_process.hpp"
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
    auto line = process.readLine(std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - Clock::now()));
    if (!line) return false;
    if (line->find(text) != std::string::npos) return true;
  }
  return false;
}

struct Stats {
  double median;
  double max;
};

Stats stats(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  const double median = n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
  return {median, values.back()};
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

}  // namespace

int main(int argc, char** argv) {
  int samples = 20;
  int idleSeconds = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--samples")) samples = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--idle-seconds")) idleSeconds = std::atoi(argv[i + 1]);
  }

  ChildProcess ours({HCBRIDGE_CLI_PATH, "readers", "--watch"});
  ChildProcess raw({RAW_OBSERVER_PATH});
  if (!waitForLine(ours, "Watching", 10s) || !waitForLine(raw, "Watching", 10s)) {
    std::fprintf(stderr, "observers did not start (is pcscd running?)\n");
    return 1;
  }

  if (idleSeconds > 0) {
    const double before = cpuSeconds(ours.pid());
    std::this_thread::sleep_for(std::chrono::seconds(idleSeconds));
    const double used = cpuSeconds(ours.pid()) - before;
    std::printf("idle CPU of 'hcbridge readers --watch' over %d s: %.3f s (%.4f%%)\n", idleSeconds,
                used, 100.0 * used / idleSeconds);
  }

  std::vector<double> oursMs, rawMs, deltaMs;
  auto profile = hcbridge::sim::loadProfile("generic");
  for (int i = 0; i < samples; ++i) {
    hcbridge::sim::VpcdClient client(std::make_shared<hcbridge::sim::Card>(profile));
    client.insert();
    const auto start = Clock::now();
    std::thread rawThread([&] {
      if (waitForLine(raw, "card.inserted", 5s))
        rawMs.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
    });
    const bool seen = waitForLine(ours, "card.inserted", 5s);
    const double oursNow = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    rawThread.join();
    if (!seen || rawMs.size() != oursMs.size() + 1) {
      std::fprintf(stderr, "sample %d: an observer missed the insertion\n", i);
      return 1;
    }
    oursMs.push_back(oursNow);
    deltaMs.push_back(oursNow - rawMs.back());
    client.remove();
    waitForLine(ours, "card.removed", 5s);
    waitForLine(raw, "card.removed", 5s);
  }
  const Stats o = stats(oursMs), r = stats(rawMs), d = stats(deltaMs);
  std::printf("insert -> printed, %d samples (ms):\n", samples);
  std::printf("  raw observer          median %7.2f  max %7.2f\n", r.median, r.max);
  std::printf("  hcbridge readers -w   median %7.2f  max %7.2f\n", o.median, o.max);
  std::printf("  hcbridge - raw        median %7.2f  max %7.2f\n", d.median, d.max);
  ours.signal(SIGINT);
  ours.wait(5s);
  return 0;
}
