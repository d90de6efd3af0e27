// The Carte Vitale data-file parser (beneficiary templates 65, card template
// 66) on arbitrary bytes, plus the NIR check and the PAN parser on the same
// bytes. Only Error(CardDataInvalid) may come out; what is accepted must
// respect the parser's limits and never carry control characters.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "hcbridge/error.hpp"
#include "nir.hpp"
#include "vitale_data.hpp"

namespace {

namespace vitale = hcbridge::drivers::vitale;
namespace nir = hcbridge::drivers::nir;

bool clean(const std::string& text) {
  for (const char c : text) {
    const auto b = static_cast<unsigned char>(c);
    if (b < 0x20 || b == 0x7F) return false;
  }
  return true;
}

bool digits8(const std::string& text) {
  if (text.size() != 8) return false;
  for (const char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const hcbridge::ByteView input(data, size);
  (void)nir::check(std::string_view(reinterpret_cast<const char*>(data), size));
  (void)vitale::parsePan(input);

  vitale::VitaleData result;
  try {
    vitale::parseDataFile(input, "EF 2002", result);
  } catch (const hcbridge::Error& e) {
    if (e.code() != hcbridge::Errc::CardDataInvalid) __builtin_trap();
    if (std::string(e.what()).rfind("EF 2002: ", 0) != 0) __builtin_trap();
    return 0;
  }
  if (result.beneficiaries.size() > vitale::kMaxBeneficiaries) __builtin_trap();
  int rank = 0;
  for (const auto& person : result.beneficiaries) {
    if (person.rank != ++rank) __builtin_trap();
    if (!clean(person.surname) || !clean(person.givenNames)) __builtin_trap();
    if (!person.birthDate.empty() && !digits8(person.birthDate)) __builtin_trap();
    if (person.nir) {
      if (!clean(person.nir->value)) __builtin_trap();
      if (person.nir->keyValid && !nir::isValid(person.nir->value)) __builtin_trap();
    }
  }
  if (!result.coverageStart.empty() && !digits8(result.coverageStart)) __builtin_trap();
  if (!result.coverageEnd.empty() && !digits8(result.coverageEnd)) __builtin_trap();
  return 0;
}
