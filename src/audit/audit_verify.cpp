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
  AuditVerifyResult result;
  result.lines = lines;
  result.firstBrokenLine = line;
  result.reason = std::move(reason);
  return result;
}

// The head of a line that may not parse (empty then): for explaining breaks.
std::string headOfLine(std::string_view line) {
  std::string reason;
  const auto link = audit::parseLine(line, reason);
  return link ? audit::headOf(line, *link) : std::string();
}

// Line `at` (1-based) is the first whose seq or prev does not follow from the
// lines before it, all of which are intact. Says which line the evidence
// points to and why.
AuditVerifyResult explainBreak(const std::vector<std::string_view>& lines, std::size_t at,
                               const audit::ChainLink& link, const std::string& previousHead,
                               const std::string& headBeforePrevious) {
  const std::size_t count = lines.size();
  const std::string expected = std::to_string(at);
  if (link.prev == previousHead) {
    return broken(
        count, at,
        "edited: seq " + std::to_string(link.seq) + " where " + expected + " was expected");
  }
  if (at >= 2 && link.prev == headBeforePrevious) {
    return broken(count, at - 1,
                  "inserted: not part of the chain (line " + expected + " follows line " +
                      std::to_string(at - 2) + " in it)");
  }
  if (at < count && link.prev == headOfLine(lines[at])) {
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
    return broken(
        count, at - 1,
        "edited: its head (hash or MAC) does not match the prev recorded in line " + expected);
  }
  return broken(
      count, at,
      "out of order: seq " + std::to_string(link.seq) + " where " + expected + " was expected");
}

// The first keyed line's MAC does not verify: a wrong key when no keyed line
// after it verifies either, else that line was edited or forged.
bool noKeyedLineVerifies(const std::vector<std::string_view>& lines, std::size_t from,
                         const AuditKey& key) {
  for (std::size_t i = from; i < lines.size(); ++i) {
    std::string reason;
    const auto link = audit::parseLine(lines[i], reason);
    if (link && link->mac && audit::macVerifies(lines[i], *link, key)) return false;
  }
  return true;
}

AuditVerifyResult badMac(const std::vector<std::string_view>& lines, std::size_t at,
                         bool firstKeyedLine, const AuditKey& key) {
  if (firstKeyedLine && noKeyedLineVerifies(lines, at, key)) {
    return broken(lines.size(), at,
                  "wrong key: no keyed line verifies with this audit key (give this "
                  "installation's key, the one that wrote the log)");
  }
  return broken(lines.size(), at,
                at == lines.size()
                    ? "forged: its MAC does not verify (edited, or appended by someone without "
                      "the audit key)"
                    : "edited: its MAC does not verify (changed, or written by someone without "
                      "the audit key)");
}

// Once the chain is intact: each checkpoint since the log was last started
// must fall within the log and name the same head.
AuditVerifyResult compareCheckpoints(AuditVerifyResult result,
                                     const std::vector<std::string>& heads,
                                     const std::vector<AuditCheckpoint>& checkpoints) {
  std::size_t first = 0;
  for (std::size_t i = 0; i < checkpoints.size(); ++i) {
    if (checkpoints[i].seq == 0) first = i + 1;  // a new, empty log was started there
  }
  result.checkpointsOfEarlierLogs = first == 0 ? 0 : first - 1;
  for (std::size_t i = first; i < checkpoints.size(); ++i) {
    const AuditCheckpoint& checkpoint = checkpoints[i];
    const std::string seq = std::to_string(checkpoint.seq);
    const std::string head = checkpoint.head.substr(0, 12) + "…";
    if (checkpoint.seq > heads.size()) {
      const std::uint64_t missing = checkpoint.seq - heads.size();
      result.ok = false;
      result.firstBrokenLine = heads.size() + 1;
      result.reason = "truncated: a checkpoint recorded line " + seq + " (head " + head +
                      ") but the log ends at line " + std::to_string(heads.size()) + ": " +
                      std::to_string(missing) + (missing == 1 ? " line" : " lines") +
                      " cut off the end";
      return result;
    }
    if (heads[checkpoint.seq - 1] != checkpoint.head) {
      result.ok = false;
      result.firstBrokenLine = checkpoint.seq;
      result.reason = "forged: the log up to line " + seq +
                      " is not the one the checkpoint recorded (head " + head +
                      "): lines were replaced or the log rewritten";
      return result;
    }
    ++result.checkpointsCompared;
  }
  return result;
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

AuditVerifyResult verifyAuditLogContent(std::string_view content,
                                        const AuditVerifyOptions& options) {
  const std::vector<std::string_view> lines = splitLines(content);
  const bool lastLineComplete = content.empty() || content.back() == '\n';
  std::vector<std::string> heads;
  heads.reserve(lines.size());
  std::string previousHead(audit::kNoPreviousLine);
  std::string headBeforePrevious;  // none before the first line
  std::size_t unkeyed = 0;
  bool keyedSeen = false;
  const auto fail = [&unkeyed](AuditVerifyResult result) {
    result.unkeyedLines = unkeyed;
    return result;
  };
  for (std::size_t at = 1; at <= lines.size(); ++at) {
    const std::string_view line = lines[at - 1];
    if (at == lines.size() && !lastLineComplete) {
      return fail(broken(lines.size(), at, "truncated: the last line does not end with a newline"));
    }
    std::string reason;
    const auto link = audit::parseLine(line, reason);
    if (!link) return fail(broken(lines.size(), at, reason));
    if (link->mac) {
      if (options.key == nullptr) {
        AuditVerifyResult result = broken(
            lines.size(), at, "keyed line (HMAC-SHA-256): the audit key is needed to check it");
        result.keyNeeded = true;
        return fail(std::move(result));
      }
      if (!audit::macVerifies(line, *link, *options.key)) {
        return fail(badMac(lines, at, !keyedSeen, *options.key));
      }
      keyedSeen = true;
    } else if (keyedSeen) {
      return fail(broken(lines.size(), at,
                         "inserted: an unkeyed line after keyed ones (the format never goes "
                         "back: written without the audit key)"));
    } else {
      ++unkeyed;
    }
    if (link->seq != at || link->prev != previousHead) {
      return fail(explainBreak(lines, at, *link, previousHead, headBeforePrevious));
    }
    heads.push_back(audit::headOf(line, *link));
    headBeforePrevious = std::move(previousHead);
    previousHead = heads.back();
  }
  AuditVerifyResult result;
  result.ok = true;
  result.lines = lines.size();
  result.unkeyedLines = unkeyed;
  return compareCheckpoints(std::move(result), heads, options.checkpoints);
}

AuditVerifyResult verifyAuditLog(const std::filesystem::path& file,
                                 const AuditVerifyOptions& options) {
  return verifyAuditLogContent(readWholeFile(file), options);
}

}  // namespace hcbridge
