// APDU sequences every driver needs: select, chunked reads, PIN answers.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>

#include "card_status.hpp"
#include "hcbridge/apdu.hpp"
#include "hcbridge/secret.hpp"
#include "hcbridge/transport.hpp"

namespace hcbridge::drivers {

// Sends `command`; any status word other than 9000 (and 6282 when
// `endOfFileOk`) becomes Error(CardDataInvalid) naming `what` and the status.
apdu::ResponseApdu sendExpectingSuccess(CardConnection& card, const apdu::CommandApdu& command,
                                        std::string_view what, bool endOfFileOk = false);

// SELECT by DF name (AID) without response data (P2 0C). Returns false when
// the card answers 6A82 (not found); other errors throw as above.
bool selectAid(CardConnection& card, ByteView aid, std::string_view what, std::uint8_t cla = 0x00);

struct ReadOptions {
  // Bytes per READ BINARY. 256 is Le 00; more needs extended APDUs.
  std::size_t chunk = 256;
  // Never read more than this (a card that never says "end" cannot loop us).
  std::size_t maxSize = 65536;
  // Given the bytes read so far, the total length the content declares
  // (e.g. from a length header) once it is known; reading stops there.
  std::function<std::optional<std::size_t>(ByteView soFar)> declaredLength;
  std::uint8_t cla = 0x00;
  // When the first READ BINARY answers 6A82 (no such file), return an empty
  // result instead of throwing: for optional files (e.g. G2.1-only objects).
  bool absentOk = false;
};

// Reads a transparent EF: by SFI first (P1 = 80|sfi, which also selects it)
// or, without SFI, the current EF; continues with 15-bit offsets until the
// card answers 6282 / 6B00 / a short chunk, or the declared length is read.
// Throws Error(CardDataInvalid) naming `fileName` on other status words, a
// declared length beyond maxSize or a file that ends before it.
Bytes readTransparent(CardConnection& card, std::optional<std::uint8_t> sfi,
                      std::string_view fileName, const ReadOptions& options = {});

// Total length of a DER/BER object from its first bytes (tag + length), or
// nullopt while more bytes are needed. Throws Error(CardDataInvalid) on an
// indefinite or oversized length.
std::optional<std::size_t> berObjectLength(ByteView prefix);

// ISO 9564 format 2 PIN block: 0x2N, then the N digits as nibbles, F-padded
// to 8 bytes. Throws Error(BadRequest) unless 4 to 12 ASCII digits.
SecretBytes format2PinBlock(const SecretBytes& asciiPin);

// The DER DigestInfo (RFC 8017 9.2) of a SHA-256 hash: what an RSA card
// signs with PKCS#1 v1.5 padding for INTERNAL AUTHENTICATE. Throws
// Error(BadRequest) unless the hash has 32 bytes.
Bytes sha256DigestInfo(ByteView hash);

// "80276883110000095711" from the BCD bytes of EF.GDO / EF.SN.ICC (after 5A 0A).
std::string bcdToDigits(ByteView bcd);

}  // namespace hcbridge::drivers
