#include "hcbridge/pcsc_transport.hpp"

#include <mutex>
#include <type_traits>

#include "hcbridge/error.hpp"
#include "pcsc_connection.hpp"
#include "pcsc_context.hpp"
#include "pcsc_watcher.hpp"

namespace hcbridge::pcsc {
namespace {

class PcscTransport : public Transport {
 public:
  explicit PcscTransport(const Options& options) : options_(options) {}

  std::vector<ReaderInfo> listReaders() override {
    return withContext([](SCARDCONTEXT context) {
      return queryReaders(context, listReaderNames(context));
    });
  }

  std::unique_ptr<CardConnection> connect(const std::string& reader, ShareMode mode) override {
    return withContext([&](SCARDCONTEXT) -> std::unique_ptr<CardConnection> {
      return std::make_unique<PcscConnection>(currentContext(), reader, mode);
    });
  }

  std::unique_ptr<ReaderWatcher> watch() override {
    return std::make_unique<PcscWatcher>(options_);
  }

 private:
  std::shared_ptr<Context> currentContext() {
    std::lock_guard lock(mutex_);
    if (!context_) context_ = Context::establish();
    return context_;
  }

  // Runs `operation` with a live context. A context left over from a pcscd
  // that has since restarted fails once; then a fresh one is tried.
  template <typename Operation>
  std::invoke_result_t<Operation, SCARDCONTEXT> withContext(Operation operation) {
    for (int attempt = 0;; ++attempt) {
      auto context = currentContext();
      try {
        return operation(context->handle());
      } catch (const Error& error) {
        if (error.code() != Errc::PcscUnavailable || attempt > 0) throw;
        std::lock_guard lock(mutex_);
        if (context_ == context) context_.reset();
      }
    }
  }

  Options options_;
  std::mutex mutex_;
  std::shared_ptr<Context> context_;
};

}  // namespace

std::unique_ptr<Transport> makeTransport(const Options& options) {
  return std::make_unique<PcscTransport>(options);
}

}  // namespace hcbridge::pcsc
