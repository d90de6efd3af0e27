// Checkpoints: how the service writes them and how the verifier reads them
// back from journalctl output, a checkpoint file or the command line.
#include <charconv>

#include "hcbridge/audit_log.hpp"
#include "hcbridge/error.hpp"
#include "sha256_hex.hpp"

namespace hcbridge {
namespace {

constexpr std::string_view kMarker = "audit checkpoint seq=";
constexpr std::string_view kHead = " head=";

bool isLowerHex(std::string_view text) {
  for (const char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// "N head=HEX" (the text after the marker); nullopt when malformed.
std::optional<AuditCheckpoint> parseFields(std::string_view text) {
  AuditCheckpoint checkpoint;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), checkpoint.seq);
  if (error != std::errc() || end == text.data()) return std::nullopt;
  text.remove_prefix(static_cast<std::size_t>(end - text.data()));
  if (!text.starts_with(kHead)) return std::nullopt;
  text.remove_prefix(kHead.size());
  const std::size_t length = audit::kNoPreviousLine.size();
  if (text.size() < length || !isLowerHex(text.substr(0, length))) return std::nullopt;
  if (text.size() > length && text[length] != ' ') return std::nullopt;
  checkpoint.head = std::string(text.substr(0, length));
  return checkpoint;
}

}  // namespace

std::string formatCheckpoint(const AuditCheckpoint& checkpoint) {
  return std::string(kMarker) + std::to_string(checkpoint.seq) + std::string(kHead) +
         checkpoint.head;
}

std::vector<AuditCheckpoint> parseCheckpoints(std::string_view text) {
  std::vector<AuditCheckpoint> checkpoints;
  std::size_t lineNumber = 0;
  while (!text.empty()) {
    ++lineNumber;
    const auto newline = text.find('\n');
    std::string_view line = text.substr(0, newline);
    text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);
    const auto marker = line.find(kMarker);
    if (marker == std::string_view::npos) continue;  // other journal lines
    const auto checkpoint = parseFields(line.substr(marker + kMarker.size()));
    if (!checkpoint) {
      throw Error(Errc::BadRequest,
                  "line " + std::to_string(lineNumber) +
                      " of the checkpoints is not 'audit checkpoint seq=N head=HEX'",
                  "Give the output of 'journalctl -u hcbridged' or the checkpoint file as they "
                  "are.");
    }
    checkpoints.push_back(*checkpoint);
  }
  return checkpoints;
}

AuditCheckpoint parseCheckpointArgument(std::string_view text) {
  const auto colon = text.find(':');
  std::optional<AuditCheckpoint> checkpoint;
  if (colon != std::string_view::npos) {
    std::string fields(text.substr(0, colon));
    fields += kHead;
    for (const char c : text.substr(colon + 1)) {
      fields.push_back(c >= 'A' && c <= 'F' ? static_cast<char>(c - 'A' + 'a') : c);
    }
    checkpoint = parseFields(fields);
  }
  if (!checkpoint || checkpoint->head.size() + colon + 1 != text.size()) {
    throw Error(Errc::BadRequest, "'" + std::string(text) + "' is not a checkpoint SEQ:HEAD",
                "Give the seq and the 64 hex digits of a line 'audit checkpoint seq=N head=HEX' "
                "from journalctl -u hcbridged, e.g. --checkpoint 1200:ab12… (all 64 digits).");
  }
  return *checkpoint;
}

}  // namespace hcbridge
