// RAII PC/SC context and the reader queries built on it.
#pragma once

#include <winscard.h>

#include <memory>
#include <string>
#include <vector>

#include "hcbridge/transport.hpp"

namespace hcbridge::pcsc {

// The pseudo-reader whose state changes when readers come and go.
inline constexpr const char* kPnpReaderName = "\\\\?PnP?\\Notification";

class Context {
 public:
  // Throws Error(PcscUnavailable) when pcscd cannot be reached.
  static std::shared_ptr<Context> establish();
  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  SCARDCONTEXT handle() const { return handle_; }

 private:
  explicit Context(SCARDCONTEXT handle) : handle_(handle) {}
  SCARDCONTEXT handle_;
};

// Reader names; empty when pcscd reports none. Throws on other failures.
std::vector<std::string> listReaderNames(SCARDCONTEXT context);

// The current state of each named reader (zero-timeout status query).
// `states` receives the raw PC/SC states to block on next.
std::vector<ReaderInfo> queryReaders(SCARDCONTEXT context, const std::vector<std::string>& names,
                                     std::vector<DWORD>* states = nullptr);

ReaderInfo readerInfoFromState(const std::string& name, DWORD eventState, const unsigned char* atr,
                               DWORD atrLength);

}  // namespace hcbridge::pcsc
