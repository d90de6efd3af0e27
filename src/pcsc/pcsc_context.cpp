#include "pcsc_context.hpp"

#include <pcsclite.h>

#include "pcsc_error.hpp"

namespace hcbridge::pcsc {

std::shared_ptr<Context> Context::establish() {
  SCARDCONTEXT handle = 0;
  const LONG rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, nullptr, nullptr, &handle);
  if (rv != SCARD_S_SUCCESS) throwPcscError(rv, "Connecting to pcscd");
  return std::shared_ptr<Context>(new Context(handle));
}

Context::~Context() { SCardReleaseContext(handle_); }

std::vector<std::string> listReaderNames(SCARDCONTEXT context) {
  // The list can grow between the size query and the read: retry then.
  for (int attempt = 0; attempt < 3; ++attempt) {
    DWORD length = 0;
    LONG rv = SCardListReaders(context, nullptr, nullptr, &length);
    if (rv == SCARD_E_NO_READERS_AVAILABLE) return {};
    if (rv != SCARD_S_SUCCESS) throwPcscError(rv, "Listing readers");
    std::string buffer(length, '\0');
    rv = SCardListReaders(context, nullptr, buffer.data(), &length);
    if (rv == SCARD_E_NO_READERS_AVAILABLE) return {};
    if (rv == SCARD_E_INSUFFICIENT_BUFFER) continue;
    if (rv != SCARD_S_SUCCESS) throwPcscError(rv, "Listing readers");
    buffer.resize(length);
    std::vector<std::string> names;
    for (std::size_t start = 0; start < buffer.size();) {
      const std::size_t end = buffer.find('\0', start);
      if (end == start || end == std::string::npos) break;
      names.push_back(buffer.substr(start, end - start));
      start = end + 1;
    }
    return names;
  }
  throwPcscError(SCARD_E_INSUFFICIENT_BUFFER, "Listing readers");
}

ReaderInfo readerInfoFromState(const std::string& name, DWORD eventState, const unsigned char* atr,
                               DWORD atrLength) {
  ReaderInfo info;
  info.name = name;
  info.cardPresent = (eventState & SCARD_STATE_PRESENT) != 0;
  info.inUse = (eventState & SCARD_STATE_EXCLUSIVE) != 0;
  info.mute = info.cardPresent && (eventState & SCARD_STATE_MUTE) != 0;
  if (info.cardPresent && atrLength <= MAX_ATR_SIZE) info.atr.assign(atr, atr + atrLength);
  return info;
}

std::vector<ReaderInfo> queryReaders(SCARDCONTEXT context, const std::vector<std::string>& names,
                                     std::vector<DWORD>* states) {
  std::vector<SCARD_READERSTATE> query(names.size());
  for (std::size_t i = 0; i < names.size(); ++i) {
    query[i].szReader = names[i].c_str();
    query[i].dwCurrentState = SCARD_STATE_UNAWARE;
  }
  if (!query.empty()) {
    const LONG rv =
        SCardGetStatusChange(context, 0, query.data(), static_cast<DWORD>(query.size()));
    if (rv != SCARD_S_SUCCESS && rv != SCARD_E_TIMEOUT) throwPcscError(rv, "Reading reader state");
  }
  std::vector<ReaderInfo> readers;
  if (states) states->clear();
  for (std::size_t i = 0; i < names.size(); ++i) {
    const DWORD event = query[i].dwEventState & ~static_cast<DWORD>(SCARD_STATE_CHANGED);
    // A reader that vanished between the list and the query is not reported.
    if (event & (SCARD_STATE_UNKNOWN | SCARD_STATE_IGNORE)) continue;
    readers.push_back(readerInfoFromState(names[i], event, query[i].rgbAtr, query[i].cbAtr));
    if (states) states->push_back(event);
  }
  return readers;
}

}  // namespace hcbridge::pcsc
