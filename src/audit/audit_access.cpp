// The patient's view: the audit lines about one card, read line by line so a
// long log is never held whole, and only up to its last complete line.
#include "hcbridge/audit_access.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <deque>
#include <limits>
#include <nlohmann/json.hpp>

#include "audit_line.hpp"
#include "hcbridge/error.hpp"

namespace hcbridge {
namespace {

// Longer lines are not ours; they are skipped, not buffered.
constexpr std::size_t kMaxLineBytes = 1 << 20;

std::optional<std::string> optionalDetail(const nlohmann::json& line, const char* key) {
  const auto details = line.find("details");
  if (details == line.end()) return std::nullopt;
  const auto value = details->find(key);
  if (value == details->end()) return std::nullopt;
  return value->get<std::string>();
}

// The access a line records, when it is a well-formed audit line about the card.
std::optional<AuditAccess> accessOf(std::string_view line, std::string_view cardSerialHash) {
  // Most lines are about other cards: a substring test spares their parse.
  if (line.find(cardSerialHash) == std::string_view::npos) return std::nullopt;
  std::string reason;
  const auto link = audit::parseLine(line, reason);
  if (!link) return std::nullopt;
  const auto json = nlohmann::json::parse(line);  // well-formed: parseLine said so
  if (json.at("cardSerialHash").get<std::string>() != cardSerialHash) return std::nullopt;
  AuditAccess access;
  access.seq = link->seq;
  access.time = json.at("time").get<std::string>();
  access.action = json.at("action").get<std::string>();
  access.caller = json.at("caller").get<std::string>();
  if (json.at("practitioner").is_string()) {
    access.practitioner = json.at("practitioner").get<std::string>();
  }
  access.fields = json.at("fields").get<std::vector<std::string>>();
  access.outcome = json.at("outcome").get<std::string>();
  access.purpose = optionalDetail(json, "purpose");
  access.justification = optionalDetail(json, "justification");
  return access;
}

}  // namespace

std::vector<AuditAccess> findCardAccesses(const std::filesystem::path& log,
                                          std::string_view cardSerialHash, std::size_t limit,
                                          std::uint64_t bytes) {
  if (cardSerialHash.empty() || limit == 0) return {};
  const int fd = ::open(log.c_str(), O_RDONLY | O_CLOEXEC);
  const auto fail = [&log](int error) {
    throw Error(Errc::Internal,
                "Cannot read the audit log " + log.string() + ": " + std::strerror(error),
                "Check the path, and run as a user who may read the file (it is mode 0600).");
  };
  if (fd < 0) fail(errno);
  std::deque<AuditAccess> found;
  std::string pending;    // the start of a line not yet complete
  bool skipping = false;  // inside a line too long to be ours
  std::uint64_t offset = 0;
  char chunk[65536];
  while (offset < bytes) {
    const std::size_t want =
        static_cast<std::size_t>(std::min<std::uint64_t>(sizeof chunk, bytes - offset));
    const ssize_t n = ::read(fd, chunk, want);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int error = errno;
      ::close(fd);
      fail(error);
    }
    if (n == 0) break;
    offset += static_cast<std::uint64_t>(n);
    std::string_view data(chunk, static_cast<std::size_t>(n));
    while (!data.empty()) {
      const auto newline = data.find('\n');
      if (newline == std::string_view::npos) {
        if (!skipping) pending.append(data);
        if (pending.size() > kMaxLineBytes) {
          pending.clear();
          skipping = true;
        }
        break;
      }
      if (!skipping) {
        pending.append(data.substr(0, newline));
        if (auto access = accessOf(pending, cardSerialHash)) {
          found.push_back(std::move(*access));
          if (found.size() > limit) found.pop_front();
        }
      }
      pending.clear();
      skipping = false;
      data.remove_prefix(newline + 1);
    }
  }
  ::close(fd);
  // `pending` holds a line still being written (no newline yet): not read.
  return {std::make_move_iterator(found.begin()), std::make_move_iterator(found.end())};
}

std::vector<AuditAccess> findCardAccesses(const std::filesystem::path& log,
                                          std::string_view cardSerialHash, std::size_t limit) {
  return findCardAccesses(log, cardSerialHash, limit, std::numeric_limits<std::uint64_t>::max());
}

}  // namespace hcbridge
