#include "interrupt.hpp"

namespace hcbridge::cli {

InterruptHandler::InterruptHandler(std::function<void()> onInterrupt)
    : onInterrupt_(std::move(onInterrupt)) {
  signals_.start([this](int) {
    interrupted_ = true;
    onInterrupt_();
  });
}

InterruptHandler::~InterruptHandler() {
  signals_.stopAndUnblock();
}

}  // namespace hcbridge::cli
