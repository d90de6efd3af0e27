#!/usr/bin/env bash
# Installs what is needed, builds hcbridge, and serves two simulated cards in
# the two slots of the vpcd virtual reader, behind the real pcscd. No reader
# or card needed. Press Ctrl+C to stop; everything started here is stopped.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
build="${HCBRIDGE_BUILD:-$root/build}"

scripts/install-deps.sh

export CCACHE_DIR="${CCACHE_DIR:-$root/.cache/ccache}"
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHCBRIDGE_TESTS=OFF >/dev/null
cmake --build "$build" -j "$(nproc)" --target hcbridge

. scripts/pcscd-lib.sh
pcscd_ensure_running

hcbridge="$build/src/cli/hcbridge"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  pcscd_stop_if_started
}
trap cleanup EXIT
trap 'exit 0' INT TERM

"$hcbridge" sim --card generic --slot 0 &
pids+=($!)
"$hcbridge" sim --card generic-t0 --slot 1 &
pids+=($!)
sleep 1.5  # pcscd notices vpcd cards at its next presence poll

echo
"$hcbridge" readers
cat <<TEXT

Two simulated TEST cards are in the readers above. Try, in another terminal:
  $hcbridge readers --watch
  $hcbridge apdu --reader 0 00A4040C08F048434254455354 00B0810010
Press Ctrl+C here to remove the cards and stop.
TEXT
wait
