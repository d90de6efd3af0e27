// The baseline for event latency: the least a PC/SC program can do to see a
// card arrive. Blocks in SCardGetStatusChange on every reader and prints
// "card.inserted <reader>" / "card.removed <reader>" at once. No hcbridge code.
#include <pcsclite.h>
#include <winscard.h>

#include <cstdio>
#include <string>
#include <vector>

int main() {
  SCARDCONTEXT context = 0;
  if (SCardEstablishContext(SCARD_SCOPE_SYSTEM, nullptr, nullptr, &context) != SCARD_S_SUCCESS) {
    std::fprintf(stderr, "raw_observer: pcscd is not running\n");
    return 1;
  }
  DWORD length = 0;
  if (SCardListReaders(context, nullptr, nullptr, &length) != SCARD_S_SUCCESS) return 1;
  std::string buffer(length, '\0');
  if (SCardListReaders(context, nullptr, buffer.data(), &length) != SCARD_S_SUCCESS) return 1;
  std::vector<std::string> names;
  for (std::size_t start = 0; start < buffer.size() && buffer[start] != '\0';) {
    names.emplace_back(buffer.c_str() + start);
    start += names.back().size() + 1;
  }
  std::vector<SCARD_READERSTATE> states(names.size());
  for (std::size_t i = 0; i < names.size(); ++i) {
    states[i].szReader = names[i].c_str();
    states[i].dwCurrentState = SCARD_STATE_UNAWARE;
  }
  SCardGetStatusChange(context, 0, states.data(), static_cast<DWORD>(states.size()));
  for (auto& s : states) s.dwCurrentState = s.dwEventState & ~SCARD_STATE_CHANGED;
  std::printf("Watching\n");
  std::fflush(stdout);
  for (;;) {
    const LONG rv =
        SCardGetStatusChange(context, INFINITE, states.data(), static_cast<DWORD>(states.size()));
    if (rv != SCARD_S_SUCCESS) return 1;
    for (auto& s : states) {
      if (!(s.dwEventState & SCARD_STATE_CHANGED)) continue;
      const bool was = s.dwCurrentState & SCARD_STATE_PRESENT;
      const bool is = s.dwEventState & SCARD_STATE_PRESENT;
      if (was != is) std::printf("%s %s\n", is ? "card.inserted" : "card.removed", s.szReader);
      s.dwCurrentState = s.dwEventState & ~SCARD_STATE_CHANGED;
    }
    std::fflush(stdout);
  }
}
