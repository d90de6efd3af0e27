// Running the built `hcbridge` program.
#pragma once

#include <string>
#include <vector>

#include "child_process.hpp"

namespace hcbridge::testing {

inline ProcessResult cli(std::vector<std::string> args) {
  args.insert(args.begin(), HCBRIDGE_CLI_PATH);
  return runProcess(args);
}

inline bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace hcbridge::testing
