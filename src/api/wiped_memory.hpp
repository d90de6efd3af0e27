// Memory that held a request body (it may hold a PIN) is overwritten before
// it is freed or reused: Beast's read buffer and the parsed body.
#pragma once

#include <openssl/crypto.h>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstddef>
#include <memory>
#include <string>

namespace hcbridge::api::detail {

// std::allocator that overwrites what it frees, so a buffer or string that
// grows (a chunked body, a larger request) leaves no copy of what it held in
// freed heap memory.
template <typename T>
struct WipingAllocator {
  using value_type = T;
  WipingAllocator() noexcept = default;
  template <typename U>
  WipingAllocator(const WipingAllocator<U>&) noexcept {}  // NOLINT: allocators convert implicitly
  T* allocate(std::size_t n) { return std::allocator<T>().allocate(n); }
  void deallocate(T* p, std::size_t n) noexcept {
    OPENSSL_cleanse(p, n * sizeof(T));
    std::allocator<T>().deallocate(p, n);
  }
  friend bool operator==(const WipingAllocator&, const WipingAllocator&) noexcept { return true; }
};

using WipedString = std::basic_string<char, std::char_traits<char>, WipingAllocator<char>>;
using WipedStringBody =
    boost::beast::http::basic_string_body<char, std::char_traits<char>, WipingAllocator<char>>;
using WipedFlatBuffer = boost::beast::basic_flat_buffer<WipingAllocator<char>>;

// Overwrites the whole storage of `buffer`: the bytes already consumed (the
// request just parsed, its body included) are still there until reused.
// Bytes not consumed yet (a pipelined next request) are kept.
void wipeConsumed(WipedFlatBuffer& buffer);

// Overwrites and empties a parsed body.
void wipe(WipedString& text) noexcept;

}  // namespace hcbridge::api::detail
