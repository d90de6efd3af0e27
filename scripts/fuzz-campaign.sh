#!/usr/bin/env bash
# Runs every libFuzzer target (tests/fuzz/fuzz_<name>.cpp) for a while, keeps
# what it finds and minimises it into tests/fuzz/corpus/<name>/.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: scripts/fuzz-campaign.sh [MINUTES] [options]

Builds the fuzz targets (clang -O2 -g, ASan + UBSan, libFuzzer) in build-fuzz/
and runs each one for MINUTES (default 5) or until --runs executions,
whichever comes first (MINUTES 0: --runs only), under nice -n 19. New inputs go to a work directory;
afterwards `-merge=1` adds to tests/fuzz/corpus/<name>/ only the inputs that
bring new coverage (the hand-written seeds stay). Prints per target:
executions, exec/s, CPU seconds, cov and ft (libFuzzer's last status line),
corpus files before/after and bytes after, crashes. Crash, leak, timeout and
OOM inputs are kept in <build>/fuzz-campaign/artifacts/<name>/; the script
exits 1 if there is any.

Options:
  --runs N        stop each target after N executions (e.g. 10000000)
  --jobs N        run N targets at once (default 1)
  --targets LIST  comma-separated names (default: every target), e.g. tlv,atr
  --build DIR     build directory (default build-fuzz)
  --no-build      use the binaries already in the build directory
  --no-merge      leave tests/fuzz/corpus/ as it is (work dirs are kept)
  -h, --help      this text

Examples:
  scripts/fuzz-campaign.sh 2                       # 2 minutes per target
  scripts/fuzz-campaign.sh 30 --runs 10000000      # 10M runs, at most 30 min each
  scripts/fuzz-campaign.sh 5 --targets tlv,atr --jobs 2
Environment: CCACHE_DIR (default .cache/ccache).
EOF
}

cd "$(dirname "$0")/.."
root=$(pwd)
minutes=5
runs=""
jobs=1
only=""
build="$root/build-fuzz"
do_build=1
do_merge=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    -h | --help) usage; exit 0 ;;
    --runs) runs="$2"; shift 2 ;;
    --jobs) jobs="$2"; shift 2 ;;
    --targets) only="$2"; shift 2 ;;
    --build) build="$(realpath -m "$2")"; shift 2 ;;
    --no-build) do_build=0; shift ;;
    --no-merge) do_merge=0; shift ;;
    [0-9]*) minutes="$1"; shift ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done

# The largest input each target gets: above what its card file or request can
# hold, so that limits are exercised, small enough to keep corpora small.
declare -A max_len=(
  [api_request]=1024 [atr]=40 [audit_verify]=2048 [auth_jws]=4096 [auth_token]=4096
  [command_apdu]=512 [cps_cert]=2048 [cps_pkcs15]=512 [egk_cvc]=512 [egk_pd_vd]=2048
  [egk_status_vd]=64 [egk_version2]=128 [pin_field]=512 [response_apdu]=300
  [sim_command]=512 [tlv]=512 [vitale_pointer]=128 [vitale_tlv]=1024
)

if ((minutes == 0)) && [[ -z "$runs" ]]; then
  echo "MINUTES 0 means no time limit: give --runs" >&2
  exit 2
fi

names=()
for source in tests/fuzz/fuzz_*.cpp; do
  name=$(basename "$source" .cpp)
  names+=("${name#fuzz_}")
done
if [[ -n "$only" ]]; then
  IFS=, read -r -a names <<<"$only"
fi

if ((do_build)); then
  export CCACHE_DIR="${CCACHE_DIR:-$root/.cache/ccache}"
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g" -DCMAKE_CXX_COMPILER=clang++ \
    -DHCBRIDGE_SANITIZE=ON -DHCBRIDGE_FUZZ=ON -DHCBRIDGE_BENCH=OFF >/dev/null
  nice -n 19 ninja -C "$build" -j 2 "${names[@]/#/fuzz_}"
fi

out="$build/fuzz-campaign"
mkdir -p "$out"
# A small quarantine and short allocation stacks: with ASan's defaults (256 MB,
# 30 frames) the targets spend most of their time faulting in fresh pages and
# recording stacks (api_request: 840 exec/s against 2500). Use-after-free within
# one input, which is all a target's allocations live for, is still caught.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:quarantine_size_mb=16:malloc_context_size=5}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

# One target: fuzz into its work dir, then merge into the committed corpus.
# Writes a summary line to $out/<name>.summary.
campaign() {
  local name=$1
  local binary="$build/tests/fuzz/fuzz_$name"
  local seeds="$root/tests/fuzz/corpus/$name"
  local work="$out/work/$name" artifacts="$out/artifacts/$name"
  local log="$out/$name.log" len=${max_len[$name]:-1024}
  mkdir -p "$work" "$artifacts" "$seeds"
  local before
  before=$(find "$seeds" -type f | wc -l)
  local args=(-max_len="$len" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
              -artifact_prefix="$artifacts/")
  ((minutes > 0)) && args+=(-max_total_time=$((minutes * 60)))
  [[ -n "$runs" ]] && args+=(-runs="$runs")
  local status=ok cpu
  # CPU seconds (user + sys) of the run: the machine is shared, wall time says little.
  {
    TIMEFORMAT='%U %S'
    time nice -n 19 "$binary" "${args[@]}" "$work" "$seeds" >"$log" 2>&1 || status=failed
  } 2>"$out/$name.time"
  cpu=$(awk '{printf "%d", $1 + $2}' "$out/$name.time")
  if ((do_merge)); then
    # Only inputs that reach new edges are copied into the seeds; edges, not
    # hit counts (-use_counters=0): a quarter of the files for api_request.
    nice -n 19 "$binary" -merge=1 -use_counters=0 -max_len="$len" -timeout=10 -rss_limit_mb=2048 \
      "$seeds" "$work" >"$out/$name.merge.log" 2>&1 || status=merge-failed
  fi
  local after
  after=$(find "$seeds" -type f | wc -l)
  local execs rate stat cov ft crashes bytes
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  stat=$(grep -E '^#[0-9]+.*cov: ' "$log" | tail -1 || true)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$stat")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$stat")
  crashes=$(find "$artifacts" -type f ! -name 'slow-unit-*' | wc -l)
  bytes=$(find "$seeds" -type f -printf '%s\n' | awk '{s += $1} END {print s + 0}')
  ((crashes > 0)) && status=CRASH
  printf '%-15s %12s %9s %6s %6s %6s %5s %5s %8s %7s  %s\n' "$name" "${execs:-?}" "${rate:-?}" \
    "$cpu" "${cov:-?}" "${ft:-?}" "$before" "$after" "$bytes" "$crashes" "$status" \
    >"$out/$name.summary"
}

echo "fuzz campaign: $( ((minutes > 0)) && echo "${minutes} min" || echo "no time limit")${runs:+, at most $runs runs} per target, $jobs job(s), logs in $out"
for name in "${names[@]}"; do
  [[ -x "$build/tests/fuzz/fuzz_$name" ]] || { echo "no binary for $name" >&2; exit 2; }
  rm -f "$out/$name.summary"
  while (($(jobs -rp | wc -l) >= jobs)); do wait -n || true; done
  echo "  $(date -u +%H:%M:%S) start $name"
  campaign "$name" &
done
wait

printf '%-15s %12s %9s %6s %6s %6s %5s %5s %8s %7s  %s\n' target execs exec/s cpu-s cov ft \
  files files bytes crashes status
printf '%-15s %12s %9s %6s %6s %6s %5s %5s %8s %7s\n' "" "" "" "" "" "" before after "" ""
failed=0
for name in "${names[@]}"; do
  cat "$out/$name.summary"
  grep -qE ' (CRASH|failed|merge-failed)$' "$out/$name.summary" && failed=1
done
echo "corpus total: $(find tests/fuzz/corpus -type f -printf '%s\n' | awk '{s += $1} END {print s}')" \
  "bytes in $(find tests/fuzz/corpus -type f | wc -l) files"
if ((failed)); then
  echo "FAILED: see $out/<name>.log and the inputs in $out/artifacts/" >&2
  exit 1
fi
