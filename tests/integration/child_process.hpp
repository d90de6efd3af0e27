// Runs a program for a test: captures its output, kills it at the end.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace hcbridge::testing {

struct ProcessResult {
  int exitCode = -1;  // -1 when killed by a signal or timed out
  std::string out;
  std::string err;
};

// Runs to completion (killed after `timeout`).
ProcessResult runProcess(const std::vector<std::string>& argv,
                         std::chrono::milliseconds timeout = std::chrono::seconds(20));

// A running program whose stdout is read line by line.
class ChildProcess {
 public:
  // Its stderr goes to `stderrFile` when given (tests that inspect the log),
  // else to /dev/null.
  explicit ChildProcess(const std::vector<std::string>& argv, const std::string& stderrFile = {});
  ~ChildProcess();  // SIGKILL if still running
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // The next stdout line, or nullopt on EOF/timeout.
  std::optional<std::string> readLine(std::chrono::milliseconds timeout);
  void signal(int signalNumber);
  pid_t pid() const { return pid_; }
  // Exit code, or -1 when it did not exit in time (then it is killed).
  int wait(std::chrono::milliseconds timeout);

 private:
  pid_t pid_ = -1;
  int stdout_ = -1;
  std::string buffer_;
};

}  // namespace hcbridge::testing
