// Audit append throughput: the keyed line (HMAC-SHA-256 per line) beside the
// unkeyed SHA-256 chain of hcbridge 0.1, on disk (one write and one fsync per
// line), the service's group commit with 1 to 32 waiting callers (one write
// and one fsync per batch), and the line's formatting alone (CPU only).
// The log goes to $HCBRIDGE_BENCH_DIR (default: the current folder), which
// must be on a real disk for the fsync figure to mean anything.
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <future>
#include <memory>

#include "audit_line.hpp"
#include "hcbridge/audit_log.hpp"
#include "sha256_hex.hpp"

namespace {

using namespace hcbridge;

AuditRecord sampleRecord() {
  return {"patient-card.read",
          "origin https://records.example.org",
          "DOC / 810000000001",
          "3F2A9C1B0D4E5F60718293A4B5C6D7E8",
          {"holder.name", "holder.birthDate", "insurer", "beneficiaries"},
          "ok",
          {}};
}

AuditKey benchKey() {
  return AuditKey(SecretBytes(std::string(kInstallationKeySize, 'k')));
}

std::filesystem::path benchFile(const char* name) {
  const char* dir = std::getenv("HCBRIDGE_BENCH_DIR");
  const auto file = std::filesystem::path(dir ? dir : ".") / name;
  std::filesystem::remove(file);
  return file;
}

// The service's path: AuditLog::append (format, HMAC, write, fsync).
void BM_AuditAppendKeyed(benchmark::State& state) {
  const auto file = benchFile("bench-audit-keyed.log");
  {
    AuditLogOptions options;
    options.checkpointEvery = 0;
    auto log = AuditLog::open(file, benchKey(), std::move(options));
    const AuditRecord record = sampleRecord();
    for (auto _ : state) log->append(record);
  }
  state.SetItemsProcessed(state.iterations());
  std::filesystem::remove(file);
}
BENCHMARK(BM_AuditAppendKeyed)->UseRealTime();

// The service's path since issue 17: each caller (an HTTP request) queues its
// line and waits until it is durable; lines queued during one fsync share
// the next. Threads = concurrent requests.
std::unique_ptr<AuditLog> groupCommitLog;

void BM_AuditAppendGroupCommit(benchmark::State& state) {
  if (state.thread_index() == 0) {
    AuditLogOptions options;
    options.checkpointEvery = 0;
    groupCommitLog =
        AuditLog::open(benchFile("bench-audit-group.log"), benchKey(), std::move(options));
  }
  const AuditRecord record = sampleRecord();
  for (auto _ : state) {
    std::promise<void> durable;
    groupCommitLog->appendAsync(record, [&durable](std::exception_ptr) { durable.set_value(); });
    durable.get_future().wait();
  }
  state.SetItemsProcessed(state.iterations());
  if (state.thread_index() == 0) {
    const AuditLogStats stats = groupCommitLog->stats();
    state.counters["lines_per_fsync"] =
        stats.batches ? static_cast<double>(stats.lines) / static_cast<double>(stats.batches) : 0;
    const auto file = groupCommitLog->path();
    groupCommitLog.reset();
    std::filesystem::remove(file);
  }
}
BENCHMARK(BM_AuditAppendGroupCommit)->Threads(1)->Threads(8)->Threads(32)->UseRealTime();

// hcbridge 0.1's append: format, SHA-256 of the line, write, fsync.
void BM_AuditAppendUnkeyed(benchmark::State& state) {
  const auto file = benchFile("bench-audit-unkeyed.log");
  const int fd = ::open(file.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  const AuditRecord record = sampleRecord();
  std::string prev(audit::kNoPreviousLine);
  std::uint64_t seq = 0;
  for (auto _ : state) {
    std::string line = audit::formatLine(record, "2026-12-04T10:00:00.000Z", ++seq, prev, nullptr);
    prev = audit::sha256Hex(line);
    line.push_back('\n');
    if (::write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size()) ||
        fsync(fd) != 0) {
      state.SkipWithError("write failed");
      break;
    }
  }
  ::close(fd);
  state.SetItemsProcessed(state.iterations());
  std::filesystem::remove(file);
}
BENCHMARK(BM_AuditAppendUnkeyed)->UseRealTime();

// The CPU part only: the line's JSON and its link (HMAC or SHA-256).
void BM_AuditLineKeyed(benchmark::State& state) {
  const AuditKey key = benchKey();
  const AuditRecord record = sampleRecord();
  std::string prev(audit::kNoPreviousLine);
  for (auto _ : state) {
    const std::string line = audit::formatLine(record, "2026-12-04T10:00:00.000Z", 1, prev, &key);
    prev = audit::macOfFormattedLine(line);
    benchmark::DoNotOptimize(prev);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_AuditLineKeyed);

void BM_AuditLineUnkeyed(benchmark::State& state) {
  const AuditRecord record = sampleRecord();
  std::string prev(audit::kNoPreviousLine);
  for (auto _ : state) {
    const std::string line =
        audit::formatLine(record, "2026-12-04T10:00:00.000Z", 1, prev, nullptr);
    prev = audit::sha256Hex(line);
    benchmark::DoNotOptimize(prev);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_AuditLineUnkeyed);

}  // namespace

BENCHMARK_MAIN();
