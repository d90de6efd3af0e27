#include "wiped_memory.hpp"

#include <boost/asio/buffer.hpp>

namespace hcbridge::api::detail {

namespace net = boost::asio;

void wipeConsumed(WipedFlatBuffer& buffer) {
  const std::size_t pending = buffer.size();
  WipedString kept(pending, '\0');
  net::buffer_copy(net::buffer(kept.data(), pending), buffer.data());
  // All consumed, the readable and writable parts start at the storage's
  // beginning: prepare(capacity()) is then the whole storage, not a new one.
  buffer.consume(pending);
  const auto storage = buffer.prepare(buffer.capacity());
  OPENSSL_cleanse(storage.data(), storage.size());
  net::buffer_copy(buffer.prepare(pending), net::buffer(kept.data(), pending));
  buffer.commit(pending);
  wipe(kept);
}

void wipe(WipedString& text) noexcept {
  if (!text.empty()) OPENSSL_cleanse(text.data(), text.size());
  text.clear();
}

}  // namespace hcbridge::api::detail
