#!/usr/bin/env bash
# The ThreadSanitizer stage: builds build-tsan (clang, -DHCBRIDGE_SANITIZE=thread,
# -O1, no fuzzers, no benchmarks) and runs under TSan the tests labelled tsan
# (unit tests of core, api and audit; daemon_integration_tests) and then, under
# the pcscd lock, those labelled tsan-pcscd (the Daemon suites of
# integration_tests: hcbridged on pcscd + vpcd). A report from a test or from
# any program it starts (hcbridged, hcbridge, the simulator) fails the stage:
# every report is written to build-tsan/tsan-reports/ and printed at the end.
#   scripts/test-tsan.sh                the stage alone
#   scripts/test-tsan.sh -R Session     with ctest arguments for both runs
# scripts/test.sh runs it after the main tests (HCBRIDGE_TSAN=0 skips it there).
# Environment: HCBRIDGE_TSAN_BUILD (default build-tsan); HCBRIDGE_PCSCD_LOCK
# (default /tmp/hcbridge-pcscd.lock, set it empty when the caller holds it).
# Suppressions (third-party frames only): tests/tsan-suppressions.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
build="${HCBRIDGE_TSAN_BUILD:-$root/build-tsan}"
lock="${HCBRIDGE_PCSCD_LOCK-/tmp/hcbridge-pcscd.lock}"

scripts/install-deps.sh >/dev/null
export CCACHE_DIR="${CCACHE_DIR:-$root/.cache/ccache}"

# -O1: the cheapest build whose tests still run fast enough under TSan.
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-g -O1" \
  -DCMAKE_CXX_COMPILER=clang++ -DHCBRIDGE_SANITIZE=thread -DHCBRIDGE_FUZZ=OFF \
  -DHCBRIDGE_BENCH=OFF >/dev/null
# The tests and every program they start (add_dependencies brings hcbridged,
# hcbridge and the faulty PKCS#11 module).
cmake --build "$build" -j "$(nproc)" --target core_unit_tests api_unit_tests audit_unit_tests \
  daemon_integration_tests integration_tests

reports="$build/tsan-reports"
rm -rf "$reports"
mkdir -p "$reports"
# Children inherit this: a race in hcbridged stops it (exit 66) and leaves a
# report behind even when the test itself would not notice.
# ignore_noninstrumented_modules: calls that uninstrumented libraries
# (libstdc++, OpenSSL, pcsclite, OpenSC, SoftHSM2) make to free, memcpy,
# pthread_mutex_destroy... are not checked, only the project's own accesses.
export TSAN_OPTIONS="halt_on_error=1 exitcode=66 log_path=$reports/tsan second_deadlock_stack=1 ignore_noninstrumented_modules=1 suppressions=$root/tests/tsan-suppressions.txt"
# libstdc++6-12-dbg's unstripped libstdc++, so that the suppressions can name
# its internal frames (tests/tsan-suppressions.txt).
export LD_LIBRARY_PATH="/usr/lib/$(uname -m)-linux-gnu/debug${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

. scripts/pcscd-lib.sh
# A test may run twice: TSan's pace can fail a timing assertion on a busy
# machine, and a race fails the stage through its report whatever the rerun says.
ctest_args=(--output-on-failure --timeout 300 --repeat until-pass:2)
# Tests that assert a time budget of a few hundred ms: under TSan (5-15x
# slower) on a busy machine they fail however correct the code; they still
# run, for their races, but only a report fails the stage through them (the
# main build checks their timing).
timing='ServerTest.SlowBackendReadsRunInParallel|SessionBindingTest.AfterAWrongPinTheNextAttemptWaitsAndSpendsNothing'
status=0
(cd "$build" && ctest "${ctest_args[@]}" -j "$(nproc)" -L '^tsan$' -E "$timing" "$@") || status=1
(cd "$build" && ctest "${ctest_args[@]}" -L '^tsan$' -R "$timing" "$@") ||
  echo "test-tsan: a timing assertion failed under TSan (not a race; see above)" >&2

# In a subshell: pcscd is stopped at its end only if it was started here.
pcscd_tests() {
  pcscd_ensure_running
  trap pcscd_stop_if_started EXIT
  cd "$build"
  ctest "${ctest_args[@]}" -L '^tsan-pcscd$' "$@"
}
if [ -n "$lock" ]; then
  (flock 9 && pcscd_tests "$@") 9>"$lock" || status=1
else
  (pcscd_tests "$@") || status=1
fi

if [ -n "$(ls -A "$reports")" ]; then
  for report in "$reports"/*; do
    echo "=== ThreadSanitizer: $report"
    cat "$report"
  done
  echo "test-tsan: ThreadSanitizer reports above (build: $build)" >&2
  exit 1
fi
[ "$status" -eq 0 ] || { echo "test-tsan: tests failed (build: $build)" >&2; exit 1; }
echo "test-tsan: no ThreadSanitizer report"
