// The CPS PKCS#15 parsers (ODF, CDF) on arbitrary bytes, and sliceByPath of
// every path found against the same bytes. Only Error(CardDataInvalid) may
// come out; accepted paths are 2..16 bytes of even length with index and
// length both present or both absent; slices stay inside the input.
#include <cstddef>
#include <cstdint>
#include <string>

#include "cps_pkcs15.hpp"
#include "hcbridge/error.hpp"

namespace {

namespace cps = hcbridge::drivers::cps;

void checkPath(const cps::Path& path, hcbridge::ByteView input) {
  if (path.path.size() < 2 || path.path.size() > cps::kMaxPathLength || path.path.size() % 2 != 0) {
    __builtin_trap();
  }
  if (path.index.has_value() != path.length.has_value()) __builtin_trap();
  (void)path.text();
  (void)path.lastFid();
  try {
    const hcbridge::Bytes slice = cps::sliceByPath(input, path, "EF");
    if (slice.size() > input.size()) __builtin_trap();
    if (path.length && slice.size() != *path.length) __builtin_trap();
  } catch (const hcbridge::Error& e) {
    if (e.code() != hcbridge::Errc::CardDataInvalid || !path.index) __builtin_trap();
  }
}

template <typename F>
bool expectOnlyDataErrors(F&& call) {
  try {
    call();
    return true;
  } catch (const hcbridge::Error& e) {
    if (e.code() != hcbridge::Errc::CardDataInvalid) __builtin_trap();
    return false;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const hcbridge::ByteView input(data, size);
  std::vector<cps::Path> directories;
  if (expectOnlyDataErrors([&] { directories = cps::parseOdfCertificateDirectories(input); })) {
    if (directories.size() > cps::kMaxDirectories) __builtin_trap();
    for (const auto& path : directories) checkPath(path, input);
  }
  std::vector<cps::CertificateEntry> entries;
  if (expectOnlyDataErrors([&] { entries = cps::parseCdf(input); })) {
    if (entries.size() > cps::kMaxCertificates) __builtin_trap();
    for (const auto& entry : entries) {
      if (entry.path) {
        checkPath(*entry.path, input);
      } else if (entry.direct.empty() || entry.direct[0] != 0x30) {
        __builtin_trap();
      }
      for (const char c : entry.label) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) __builtin_trap();
      }
    }
  }
  return 0;
}
