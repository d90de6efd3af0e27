// The Carte Vitale pointer file EF 2001 on arbitrary bytes. Only
// Error(CardDataInvalid) naming EF 2001 may come out; an accepted file lists
// at most the allowed entries, AIDs of 1 to 16 bytes, no reserved file ID,
// and only files of listed applications.
#include <cstddef>
#include <cstdint>
#include <string>

#include "hcbridge/error.hpp"
#include "vitale_data.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace vitale = hcbridge::drivers::vitale;
  vitale::PointerFile pointer;
  try {
    pointer = vitale::parsePointerFile(hcbridge::ByteView(data, size));
  } catch (const hcbridge::Error& e) {
    if (e.code() != hcbridge::Errc::CardDataInvalid) __builtin_trap();
    if (std::string(e.what()).rfind("EF 2001: ", 0) != 0) __builtin_trap();
    return 0;
  }
  if (pointer.applications.size() > vitale::kMaxApplications) __builtin_trap();
  if (pointer.files.size() > vitale::kMaxDataFiles) __builtin_trap();
  for (const auto& app : pointer.applications) {
    if (app.aid.empty() || app.aid.size() > 16) __builtin_trap();
  }
  for (const auto& file : pointer.files) {
    if (pointer.application(file.applicationRef) == nullptr) __builtin_trap();
    if (file.fid == 0x3F00 || file.fid == 0xFFFF) __builtin_trap();
    for (const char c : file.label) {
      if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7F) {
        __builtin_trap();
      }
    }
  }
  return 0;
}
