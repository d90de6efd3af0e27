// Verifying the chain, and naming the first line that breaks it.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "audit_line.hpp"
#include "hcbridge/audit_log.hpp"
#include "hcbridge/error.hpp"
#include "sha256_hex.hpp"

namespace hcbridge {
namespace {

std::vector<std::string_view> splitLines(std::string_view content) {
  std::vector<std::string_view> lines;
  while (!content.empty()) {
    const auto newline = content.find('\n');
    if (newline == std::string_view::npos) {
      lines.push_back(content);  // the last line, without its newline
      break;
    }
    lines.push_back(content.substr(0, newline));
    content.remove_prefix(newline + 1);
  }
  return lines;
}

AuditVerifyResult broken(std::size_t lines, std::size_t line, std::string reason) {
  return {false, lines, line, std::move(reason)};
}

// Line `at` (1-based) is the first whose seq or prev does not follow from the
// lines before it, all of which are intact. Says which line the evidence
// points to and why.
AuditVerifyResult explainBreak(const std::vector<std::string_view>& lines, std::size_t at,
                               const audit::ChainLink& link, const std::string& previousHash,
                               const std::string& hashBeforePrevious) {
  const std::size_t count = lines.size();
  const std::string expected = std::to_string(at);
  if (link.prev == previousHash) {
    return broken(
        count, at,
        "edited: seq " + std::to_string(link.seq) + " where " + expected + " was expected");
  }
  if (at >= 2 && link.prev == hashBeforePrevious) {
    return broken(count, at - 1,
                  "inserted: not part of the chain (line " + expected + " follows line " +
                      std::to_string(at - 2) + " in it)");
  }
  if (at < count && link.prev == audit::sha256Hex(lines[at])) {
    return broken(count, at,
                  "out of order: it follows line " + std::to_string(at + 1) +
                      " in the chain (lines swapped)");
  }
  if (link.seq > at) {
    const std::uint64_t missing = link.seq - at;
    return broken(count, at,
                  "deleted: " + std::to_string(missing) + (missing == 1 ? " line" : " lines") +
                      " missing before this one (seq " + std::to_string(link.seq) + " where " +
                      expected + " was expected)");
  }
  if (link.seq == at) {
    if (at == 1) return broken(count, 1, "edited: the first line's prev is not 64 zeros");
    return broken(count, at - 1,
                  "edited: its hash does not match the prev recorded in line " + expected);
  }
  return broken(
      count, at,
      "out of order: seq " + std::to_string(link.seq) + " where " + expected + " was expected");
}

std::string readWholeFile(const std::filesystem::path& file) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  const auto fail = [&](const char* what, int error) {
    if (fd >= 0) ::close(fd);
    throw Error(Errc::Internal,
                std::string(what) + " the audit log " + file.string() + ": " + std::strerror(error),
                "Check the path, and run as a user who may read the file (it is mode 0600).");
  };
  if (fd < 0) fail("Cannot open", errno);
  std::string content;
  char chunk[65536];
  for (;;) {
    const ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("Cannot read", errno);
    }
    content.append(chunk, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return content;
}

}  // namespace

AuditVerifyResult verifyAuditLogContent(std::string_view content) {
  const std::vector<std::string_view> lines = splitLines(content);
  const bool lastLineComplete = content.empty() || content.back() == '\n';
  std::string previousHash(audit::kNoPreviousLine);
  std::string hashBeforePrevious;  // none before the first line
  for (std::size_t at = 1; at <= lines.size(); ++at) {
    const std::string_view line = lines[at - 1];
    if (at == lines.size() && !lastLineComplete) {
      return broken(lines.size(), at, "truncated: the last line does not end with a newline");
    }
    std::string reason;
    const auto link = audit::parseLine(line, reason);
    if (!link) return broken(lines.size(), at, reason);
    if (link->seq != at || link->prev != previousHash) {
      return explainBreak(lines, at, *link, previousHash, hashBeforePrevious);
    }
    hashBeforePrevious = std::move(previousHash);
    previousHash = audit::sha256Hex(line);
  }
  return {true, lines.size(), 0, {}};
}

AuditVerifyResult verifyAuditLog(const std::filesystem::path& file) {
  return verifyAuditLogContent(readWholeFile(file));
}

}  // namespace hcbridge
