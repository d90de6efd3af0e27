// Internal to hcbridge_sim: the mutable state of a simulated card and the
// command handlers that work on it. Not part of the public API.
#pragma once

#include <openssl/evp.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string_view>
#include <vector>

#include "hcbridge/apdu.hpp"
#include "hcbridge/base/openssl_handle.hpp"
#include "hcbridge/bytes.hpp"
#include "hcbridge/sim/profile.hpp"
#include "hcbridge/tlv.hpp"

namespace hcbridge::sim::detail {

// ISO 7816-4 status words the engine answers with.
namespace sw {
inline constexpr std::uint16_t kOk = 0x9000;
inline constexpr std::uint16_t kEndOfFile = 0x6282;  // fewer bytes than Ne
inline constexpr std::uint16_t kWrongLength = 0x6700;
inline constexpr std::uint16_t kChannelNotSupported = 0x6881;
inline constexpr std::uint16_t kSmNotSupported = 0x6882;
inline constexpr std::uint16_t kChainingNotSupported = 0x6884;
inline constexpr std::uint16_t kIncompatibleFile = 0x6981;  // e.g. READ BINARY on a record EF
inline constexpr std::uint16_t kSecurityNotSatisfied = 0x6982;
inline constexpr std::uint16_t kAuthBlocked = 0x6983;
inline constexpr std::uint16_t kConditionsNotSatisfied = 0x6985;
inline constexpr std::uint16_t kNoCurrentEf = 0x6986;
inline constexpr std::uint16_t kWrongData = 0x6A80;
inline constexpr std::uint16_t kFileNotFound = 0x6A82;
inline constexpr std::uint16_t kRecordNotFound = 0x6A83;
inline constexpr std::uint16_t kWrongP1P2 = 0x6A86;
inline constexpr std::uint16_t kReferenceNotFound = 0x6A88;
inline constexpr std::uint16_t kWrongOffset = 0x6B00;
inline constexpr std::uint16_t kInsNotSupported = 0x6D00;
inline constexpr std::uint16_t kClaNotSupported = 0x6E00;
inline constexpr std::uint16_t kNoDiagnosis = 0x6F00;
}  // namespace sw

// What a handler answers before the transport-level rules (T=0 61xx, 6Cxx)
// are applied by Card::process.
struct Result {
  Bytes data;
  std::uint16_t sw = sw::kOk;
  // The answer has a fixed length: Ne smaller than it gives 6Cxx (or 61xx
  // when it is longer than 256 bytes) instead of truncated data.
  bool exactLength = false;
};

inline Result status(std::uint16_t word) {
  return Result{{}, word, false};
}

// Data + SW1 SW2 as sent to the terminal.
Bytes encodeResponse(const Result& result);

struct LoadedKey {
  std::uint8_t ref = 0;
  AccessRule use;
  std::optional<AccessRule> authenticate;  // INTERNAL AUTHENTICATE; nullopt = use
  Bytes dfAid;                             // empty: global
  base::EvpPkeyHandle pkey;
};

// The whole mutable state of one card; guarded by Card's mutex.
struct CardState {
  Profile profile;
  std::vector<LoadedKey> keys;

  // Current DF as the path from the MF: dfPath.front() is &profile.mf.
  std::vector<FileNode*> dfPath;
  FileNode* currentEf = nullptr;

  // Indexes into profile.pins: entries verified in this power cycle, and the
  // PINs (owners of the value) whose PUK was presented.
  std::set<std::size_t> verifiedPins;
  std::set<std::size_t> verifiedPuks;
  // For each entry of profile.pins, the index of the entry holding its value
  // and counters: itself, or for a multireference PIN the PIN it shares.
  std::vector<std::size_t> pinOwner;
  std::optional<std::size_t> mseKey;  // index into keys chosen by MANAGE SECURITY ENVIRONMENT
  std::optional<std::uint8_t> mseAlgorithm;  // algorithm reference (tag 80) of that MSE SET
  std::uint8_t mseTemplate = 0;              // its control reference template (A4, B6, B8)

  // Response data kept for GET RESPONSE (61xx).
  bool hasPending = false;
  Bytes pendingData;
  std::uint16_t pendingSw = sw::kOk;

  std::size_t commandCount = 0;
  std::function<void(std::size_t)> hook;

  void resetSession();  // power cycle: security state, MSE, pending data, MF selected
  // The PIN entry (index into profile.pins) a reference names from the
  // current DF: DF-specific entries of the innermost current DF first, then
  // global ones. nullopt when none.
  std::optional<std::size_t> findPin(std::uint8_t ref) const;
  // The entry holding the value and counters of entry `index`.
  PinSpec& pinSecret(std::size_t index) { return profile.pins[pinOwner[index]]; }
  // The key (index into keys) a reference names from the current DF, as for PINs.
  std::optional<std::size_t> findKey(std::uint8_t ref) const;
  // Whether a DF with AID `aid` is on the current path (empty: always true).
  bool inScope(const Bytes& aid) const;
};

// card_commands.cpp: CLA/INS checks, dispatch of one raw command, and the
// transport rules (T=0 61xx, 6Cxx) applied to the handler's answer.
Result dispatch(CardState& state, ByteView raw);

// file_system.cpp
Result selectFile(CardState& state, const apdu::CommandApdu& command);
Result readBinary(CardState& state, const apdu::CommandApdu& command);
Result updateBinary(CardState& state, const apdu::CommandApdu& command);
Result readRecord(CardState& state, const apdu::CommandApdu& command);
Result updateRecord(CardState& state, const apdu::CommandApdu& command);
// FCP (tag 62) or FCI (tag 6F) template describing a file.
Bytes fileControlTemplate(const FileNode& file, std::uint8_t templateTag);

// ias_objects.cpp: IAS-ECC security attributes and data objects.
// The compact security condition byte (SCB) of a rule: 00 always, FF never
// (and AND/OR rules), 1x after user authentication (x: the PIN reference's low
// 4 bits; a real IAS-ECC card names a security environment there).
std::uint8_t securityConditionByte(const AccessRule& rule);
// A1 { 8C access mode, SCBs } for the file's FCP.
tlv::Node fileSecurityAttributes(const FileNode& file);
// GET DATA (INS CB, P1P2 3FFF) on a PIN's (class 01) or RSA key's (class 10)
// security data object.
Result getSecurityDataObject(CardState& state, const apdu::CommandApdu& command);

// security.cpp
bool accessAllowed(const CardState& state, const AccessRule& rule);
Result verify(CardState& state, const apdu::CommandApdu& command);
// GET PIN STATUS (CLA 80, INS 20, no data): 63Cx, 9000 when verified, 6983
// when blocked, 62C1 / 62C7 for a transport or empty PIN.
Result getPinStatus(CardState& state, const apdu::CommandApdu& command);
Result changeReferenceData(CardState& state, const apdu::CommandApdu& command);
Result resetRetryCounter(CardState& state, const apdu::CommandApdu& command);

// crypto_ops.cpp
// Parses a PEM private key; nullptr when it is not an RSA or EC private key.
base::EvpPkeyHandle parsePrivateKeyPem(std::string_view pem);
Result getChallenge(const apdu::CommandApdu& command);
Result manageSecurityEnvironment(CardState& state, const apdu::CommandApdu& command);
// PSO COMPUTE DIGITAL SIGNATURE and INTERNAL AUTHENTICATE.
Result computeSignature(CardState& state, const apdu::CommandApdu& command);

}  // namespace hcbridge::sim::detail
