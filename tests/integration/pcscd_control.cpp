#include "pcscd_control.hpp"

#include <gtest/gtest.h>
#include <pcsclite.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <winscard.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>

namespace hcbridge::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kVpcdDriver = "/usr/lib/pcsc/drivers/serial/libifdvpcd.so";
constexpr const char* kPidFile = "/run/pcscd/pcscd.pid";

bool fileExists(const char* path) { return access(path, F_OK) == 0; }

// Polls a condition in test code only (the product never polls).
template <typename Condition>
bool waitFor(Condition condition, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return condition();
}

pid_t pidFromFile() {
  std::ifstream in(kPidFile);
  long pid = -1;
  if (!(in >> pid)) return -1;
  return static_cast<pid_t>(pid);
}

bool alive(pid_t pid) { return pid > 0 && kill(pid, 0) == 0; }

}  // namespace

bool PcscdControl::isRunning() {
  SCARDCONTEXT context = 0;
  if (SCardEstablishContext(SCARD_SCOPE_SYSTEM, nullptr, nullptr, &context) != SCARD_S_SUCCESS) {
    return false;
  }
  SCardReleaseContext(context);
  return true;
}

void PcscdControl::ensureRunning() {
  if (!initialStateKnown_) {
    wasRunningInitially_ = isRunning();
    initialStateKnown_ = true;
  }
  if (!fileExists(kVpcdDriver)) {
    throw std::runtime_error(
        "vsmartcard-vpcd is not installed: run scripts/install-deps.sh (integration tests "
        "need the vpcd reader driver)");
  }
  if (!isRunning()) start();
}

void PcscdControl::stop() {
  if (child_ > 0) {
    kill(child_, SIGTERM);
    int status = 0;
    waitpid(child_, &status, 0);
    child_ = -1;
  }
  const pid_t other = pidFromFile();
  if (alive(other)) {
    kill(other, SIGTERM);
    if (!waitFor([&] { return !alive(other); }, 5000ms)) {
      kill(other, SIGKILL);
      waitFor([&] { return !alive(other); }, 2000ms);
    }
  }
  if (!waitFor([] { return !isRunning(); }, 5000ms)) {
    throw std::runtime_error("pcscd did not stop");
  }
}

namespace {

// pcscd with none of our descriptors: a pcscd that inherited the fd of the
// pcscd lock (flock, held by a test script) would hold that lock as long as
// it lives, and every later `flock` would wait forever.
pid_t spawnPcscd(bool foreground) {
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    // Quiet child: pcscd logs to stdout in the foreground.
    (void)!freopen("/dev/null", "w", stdout);
    close_range(3, ~0U, 0);
    if (foreground) {
      execl("/usr/sbin/pcscd", "pcscd", "--foreground", static_cast<char*>(nullptr));
    } else {
      execl("/usr/sbin/pcscd", "pcscd", static_cast<char*>(nullptr));
    }
    _exit(127);
  }
  return pid;
}

}  // namespace

void PcscdControl::start() {
  if (access("/usr/sbin/pcscd", X_OK) != 0) {
    throw std::runtime_error("pcscd is not installed: run scripts/install-deps.sh");
  }
  const pid_t pid = spawnPcscd(true);
  child_ = pid;
  if (!waitFor([] { return isRunning(); }, 10000ms)) {
    throw std::runtime_error("pcscd did not start within 10 s");
  }
}

void PcscdControl::restoreInitialState() {
  if (child_ < 0) return;  // we changed nothing
  stop();
  if (wasRunningInitially_) {
    // Put back a daemon like the one we found (it detaches: not our child).
    int status = -1;
    const pid_t launcher = spawnPcscd(false);
    waitpid(launcher, &status, 0);
    if (status != 0 || !waitFor([] { return isRunning(); }, 10000ms)) {
      std::fprintf(stderr, "warning: could not restart pcscd as it was before the tests\n");
    }
  }
}

PcscdControl& pcscd() {
  static PcscdControl control;
  return control;
}

namespace {

class PcscdEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    try {
      pcscd().ensureRunning();
    } catch (const std::exception& error) {
      FAIL() << error.what();
    }
  }
  void TearDown() override { pcscd().restoreInitialState(); }
};

[[maybe_unused]] ::testing::Environment* const kEnvironment =
    ::testing::AddGlobalTestEnvironment(new PcscdEnvironment);

}  // namespace
}  // namespace hcbridge::testing
