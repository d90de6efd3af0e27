#!/usr/bin/env bash
# Installs what is needed, builds hcbridge, and serves the two demo cards in
# the two slots of the vpcd virtual reader, behind the real pcscd: the family
# Carte Vitale (slot 0) and the CPS practitioner card (slot 1, PIN 1234). No
# reader or card needed. Press Ctrl+C to stop; everything started here is stopped.
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

"$hcbridge" sim --card vitale-family --slot 0 &
pids+=($!)
"$hcbridge" sim --card cps-demo --slot 1 &
pids+=($!)
# pcscd notices vpcd cards at its next presence poll (~0.5 s).
for _ in $(seq 50); do
  [ "$("$hcbridge" readers --json | grep -c '"cardPresent": true')" -ge 2 ] && break
  sleep 0.2
done

echo
"$hcbridge" readers
echo
"$hcbridge" read --reader 0
echo
"$hcbridge" read --reader 1
cat <<TEXT

The two demo TEST cards above are in the vpcd readers (invented people, TEST
keys only). Try, in another terminal:
  $hcbridge readers --watch
  $hcbridge read --reader 0 --json
  $hcbridge pin-status --reader 1
  $hcbridge sim --list             # every simulated card and what it is
Press Ctrl+C here to remove the cards and stop.
TEXT
wait
