#!/usr/bin/env bash
# Installs what is needed, builds with clang (AddressSanitizer,
# UndefinedBehaviorSanitizer, libFuzzer) and runs every test: unit,
# integration (real pcscd + vpcd + simulator), the demo web app in headless
# Chromium (label e2e; screenshots in build-test/e2e-artifacts) and a short
# run of each fuzzer.
#   scripts/test.sh                 everything
#   scripts/test.sh -L unit         only one label (any ctest arguments)
#   scripts/test.sh -L package      the Debian package (scripts/package-test.sh, root)
# Then, after a run of everything, the ThreadSanitizer stage (scripts/test-tsan.sh,
# its own build in build-tsan; runnable alone).
# Environment: HCBRIDGE_FUZZ_SECONDS (default 15) per fuzzer (the long runs are
# scripts/fuzz-campaign.sh); HCBRIDGE_TSAN=0 skips the TSan stage,
# HCBRIDGE_TSAN=1 runs it after a partial run too.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
build="${HCBRIDGE_TEST_BUILD:-$root/build-test}"

scripts/install-deps.sh
# playwright-core for the browser tests, at the version package-lock.json pins.
npm ci --prefix tests/e2e --no-audit --no-fund --loglevel=error

export CCACHE_DIR="${CCACHE_DIR:-$root/.cache/ccache}"
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_CXX_COMPILER=clang++ -DHCBRIDGE_SANITIZE=ON -DHCBRIDGE_FUZZ=ON \
  -DHCBRIDGE_FUZZ_SECONDS="${HCBRIDGE_FUZZ_SECONDS:-15}" >/dev/null
cmake --build "$build" -j "$(nproc)"

. scripts/pcscd-lib.sh
pcscd_ensure_running
trap pcscd_stop_if_started EXIT

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
# Leaks inside third-party PKCS#11 modules (OpenSC, SoftHSM2) only.
export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$root/tests/lsan-suppressions.txt:print_suppressions=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
(cd "$build" && ctest --output-on-failure --timeout 300 "$@")

# The TSan stage; pcscd is already running, and whoever runs this script
# holds the pcscd lock for all of it if any (so not taken again there).
if [ "${HCBRIDGE_TSAN:-$([ $# -eq 0 ] && echo 1 || echo 0)}" = 1 ]; then
  HCBRIDGE_PCSCD_LOCK= scripts/test-tsan.sh
fi
