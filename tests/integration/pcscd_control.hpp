// Starts, stops and restarts the real pcscd for integration tests, and puts
// things back as they were: a pcscd that was running before the tests runs
// again after them; one the tests started is stopped.
#pragma once

#include <sys/types.h>

#include <chrono>

namespace hcbridge::testing {

class PcscdControl {
 public:
  // Whether a client can reach pcscd right now.
  static bool isRunning();

  // Makes sure pcscd runs with the vpcd driver. Fails the test run with a
  // clear message when pcscd or vsmartcard-vpcd is not installed.
  void ensureRunning();
  // Stops whatever pcscd runs now and waits until it is gone.
  void stop();
  // Starts pcscd in the foreground as our child and waits until it answers.
  void start();
  void restart() {
    stop();
    start();
  }
  // Undoes what this object did (see the class comment).
  void restoreInitialState();

 private:
  bool wasRunningInitially_ = false;
  bool initialStateKnown_ = false;
  pid_t child_ = -1;
};

// The one instance of the test binary (a GoogleTest environment owns it).
PcscdControl& pcscd();

}  // namespace hcbridge::testing
